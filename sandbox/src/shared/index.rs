//! Indexes over the state's users, so that finding a user or a list's members costs the same
//! whatever the project's size: users (and forgotten users) by email, any case, and by userId;
//! each list's members in the state's order. Not part of the state (never dumped): built from
//! the users when a state is made or loaded, and kept up to date by the few places that add,
//! remove or re-key users (`Sandbox::push_user`, `remove_user`, `edit_user`).

use hashbrown::HashTable;
use std::collections::{BTreeMap, BTreeSet};

use crate::state::{State, User, Users};

/// A deterministic hash (FNV-1a, then a 64-bit finalizer to spread it): no random seed, so the
/// sandbox stays reproducible.
fn hash(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Emails match in any case (ASCII), as Iterable matches them.
fn email_hash(e: &str) -> u64 {
    hash(e.bytes().map(|b| b.to_ascii_lowercase()))
}

fn id_hash(id: &str) -> u64 {
    hash(id.bytes())
}

fn email_of(u: &User) -> &str {
    u.email.as_deref().unwrap_or("")
}

fn id_of(u: &User) -> &str {
    u.user_id.as_deref().unwrap_or("")
}

/// The position of the first user holding each email and each userId in a list of users.
#[derive(Default, Clone, Debug)]
pub struct Ids {
    email: HashTable<u32>,
    user_id: HashTable<u32>,
    /// Whether some identifier is held by more than one user (only a loaded state can have
    /// that): removing a key then needs a rebuild to find its next holder.
    shared: bool,
}

impl Ids {
    pub fn build(users: &Users) -> Ids {
        let mut ids = Ids::default();
        for (i, _) in users.positions() {
            ids.add(users, i);
        }
        ids
    }

    /// Indexes user `i`'s email and userId (an identifier an earlier user holds stays his).
    pub fn add(&mut self, users: &Users, i: usize) {
        self.add_email(users, i);
        self.add_user_id(users, i);
    }

    fn add_email(&mut self, users: &Users, i: usize) {
        let Some(e) = users[i].email.as_deref() else {
            return;
        };
        match self.by_email(users, e) {
            Some(j) => self.shared |= j != i,
            None => {
                let rehash = |&p: &u32| email_hash(email_of(&users[p as usize]));
                self.email.insert_unique(email_hash(e), i as u32, rehash);
            }
        }
    }

    fn add_user_id(&mut self, users: &Users, i: usize) {
        let Some(id) = users[i].user_id.as_deref() else {
            return;
        };
        match self.by_user_id(users, id) {
            Some(j) => self.shared |= j != i,
            None => {
                let rehash = |&p: &u32| id_hash(id_of(&users[p as usize]));
                self.user_id.insert_unique(id_hash(id), i as u32, rehash);
            }
        }
    }

    /// The first user with this email (any case).
    pub fn by_email(&self, users: &Users, e: &str) -> Option<usize> {
        self.email
            .find(email_hash(e), |&p| {
                users[p as usize]
                    .email
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            })
            .map(|&p| p as usize)
    }

    /// The first user with this userId.
    pub fn by_user_id(&self, users: &Users, id: &str) -> Option<usize> {
        self.user_id
            .find(id_hash(id), |&p| {
                users[p as usize].user_id.as_deref() == Some(id)
            })
            .map(|&p| p as usize)
    }

    /// User `u`, at position `i`, was taken out of `users`: its keys go (or, where another user
    /// may hold one of them next, the index is rebuilt).
    pub fn remove(&mut self, users: &Users, i: usize, u: &User) {
        if self.shared {
            *self = Ids::build(users);
            return;
        }
        self.unkey(i, u.email.as_deref(), u.user_id.as_deref());
    }

    /// Takes position `i`'s entries for this email and this userId out.
    fn unkey(&mut self, i: usize, email: Option<&str>, user_id: Option<&str>) {
        if let Some(e) = email {
            if let Ok(entry) = self.email.find_entry(email_hash(e), |&p| p as usize == i) {
                entry.remove();
            }
        }
        if let Some(id) = user_id {
            if let Ok(entry) = self.user_id.find_entry(id_hash(id), |&p| p as usize == i) {
                entry.remove();
            }
        }
    }

    /// User `i` was known by `old` (email, userId) and may now have others: re-keys it.
    pub fn rekey(&mut self, users: &Users, i: usize, old: &(Option<String>, Option<String>)) {
        let u = &users[i];
        if old.0 == u.email && old.1 == u.user_id {
            return;
        }
        if self.shared {
            // Another user may hold the old key next: only a rebuild finds which.
            *self = Ids::build(users);
            return;
        }
        self.unkey(
            i,
            old.0.as_deref().filter(|_| old.0 != u.email),
            old.1.as_deref().filter(|_| old.1 != u.user_id),
        );
        self.add(users, i);
    }
}

/// Each list's members: positions in the state's users, in order.
#[derive(Default, Clone, Debug)]
pub struct Members(BTreeMap<i64, BTreeSet<u32>>);

impl Members {
    pub fn build(users: &Users) -> Members {
        let mut m = Members::default();
        for (i, u) in users.positions() {
            m.join(i, &u.email_list_ids);
        }
        m
    }

    pub fn join(&mut self, i: usize, lists: &[i64]) {
        for l in lists {
            self.0.entry(*l).or_default().insert(i as u32);
        }
    }

    pub fn leave(&mut self, i: usize, lists: &[i64]) {
        for l in lists {
            if let Some(set) = self.0.get_mut(l) {
                set.remove(&(i as u32));
                if set.is_empty() {
                    self.0.remove(l);
                }
            }
        }
    }

    /// User `i`'s lists went from `old` to `new`.
    pub fn moved(&mut self, i: usize, old: &[i64], new: &[i64]) {
        if old == new {
            return;
        }
        let gone: Vec<i64> = old.iter().filter(|l| !new.contains(l)).copied().collect();
        self.leave(i, &gone);
        self.join(i, new);
    }

    /// The members of list `id`, in the state's order.
    pub fn of(&self, id: i64) -> impl Iterator<Item = usize> + '_ {
        self.0.get(&id).into_iter().flatten().map(|&p| p as usize)
    }

    pub fn count(&self, id: i64) -> usize {
        self.0.get(&id).map_or(0, BTreeSet::len)
    }
}

/// Every index of a state.
#[derive(Default, Clone, Debug)]
pub struct Index {
    pub users: Ids,
    pub forgotten: Ids,
    pub members: Members,
}

impl Index {
    pub fn build(state: &State) -> Index {
        Index {
            users: Ids::build(&state.users),
            forgotten: Ids::build(&state.forgotten),
            members: Members::build(&state.users),
        }
    }
}

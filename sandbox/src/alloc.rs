//! The wasm build's allocator: the standard one (dlmalloc), with the wasm memory grown in large
//! steps. dlmalloc grows the memory by what one allocation needs (64 KiB at a time as a state
//! fills up), and each `memory.grow` costs about a millisecond in V8 whatever its size: filling a
//! million users' state took thousands of them. After any growth, one block of an eighth of the
//! memory (4 MiB at least) is taken and given back at once, which leaves that much room at the
//! top of the heap: the memory then grows a few dozen times instead of thousands.

use core::arch::wasm32::memory_size;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct GrowInSteps {
    /// Memory pages at the last check (wasm32-unknown-unknown is single-threaded).
    pages: Cell<usize>,
}

// SAFETY: wasm32-unknown-unknown (without atomics) runs one thread.
unsafe impl Sync for GrowInSteps {}

const MIN_STEP: usize = 4 << 20;

impl GrowInSteps {
    pub const fn new() -> Self {
        GrowInSteps { pages: Cell::new(0) }
    }

    /// After the memory grew, reserves room ahead (taken and freed through dlmalloc itself).
    unsafe fn after(&self) {
        let now = memory_size::<0>();
        if now == self.pages.get() {
            return;
        }
        let step = (now * 65536 / 8).max(MIN_STEP);
        // Through System itself (not this wrapper): dlmalloc grows the memory once by `step`, and
        // the freed block joins the top of its heap, where the next allocations are cut from.
        if let Ok(layout) = Layout::from_size_align(step, 16) {
            let p = System.alloc(layout);
            if !p.is_null() {
                System.dealloc(p, layout);
            }
        }
        self.pages.set(memory_size::<0>());
    }
}

unsafe impl GlobalAlloc for GrowInSteps {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        self.after();
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        self.after();
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        self.after();
        p
    }
}

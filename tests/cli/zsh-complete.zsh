# Drives zsh's own completion system the way a user does (tests/cli): an interactive zsh in a
# pseudo-terminal (zpty), compinit, the script installed from $fpath or sourced, then for each
# line the keys "<line><Tab>". Prints "== <line>" and every match the completion added, sorted.
#   zsh -f tests/cli/zsh-complete.zsh fpath <dir> <line>...   the script is <dir>/_iterable-wasm
#   zsh -f tests/cli/zsh-complete.zsh source - <line>...       source <(iterable-wasm completion zsh)
zmodload zsh/zpty
mode=$1 dir=$2; shift 2
zpty z "zsh -f -i"
zpty -w z "PS1='> '"
if [[ $mode == fpath ]]; then
  zpty -w z "fpath=(${(q)dir} \$fpath)"
fi
zpty -w z "autoload -Uz compinit && compinit -u -D"
[[ $mode == source ]] && zpty -w z 'source <(iterable-wasm completion zsh)'
# Each match the completion system adds is printed as it is added.
zpty -w z 'compadd() { local -a __m; builtin compadd -O __m "$@"; print -rl -- ${^__m/#/MATCH:}; builtin compadd "$@" }'
# Tab completes, then marks the end of the completion on the terminal (waited for below, so the
# next keys are never typed ahead of it).
zpty -w z 'complete-then-mark() { zle complete-word; print -n -- "\nCOMPLETION-""DONE\n" }; zle -N complete-then-mark; bindkey "^I" complete-then-mark'
for line in "$@"; do
  # The shell idle at its prompt first (typed-ahead keys may be dropped while it starts).
  zpty -w z 'print RE${}ADY'
  zpty -r -m z out '*READY*'
  zpty -w -n z "$line"$'\t'
  zpty -r -m z out '*COMPLETION-DONE*'
  zpty -w z $'\C-u'
  print -r -- "== $line"
  print -rl -- ${${(M)${(f)out}:#*MATCH:*}#*MATCH:} | tr -d '\r' | sort -u
done
zpty -d z

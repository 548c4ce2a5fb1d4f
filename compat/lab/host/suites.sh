# suites.sh - where a lab run works and which suite files it takes. Sourced by run-lab,
# host/build.sh and compare-stacks.
stack_work() {   # stack_work <stack>: its default work tree (compat/lab/work for the default stack)
  if [ "$1" = debian12 ]; then echo "$REPO/compat/lab/work"; else echo "$REPO/compat/lab/work/$1"; fi
}
# needs SUITES (compat/lab/suites/<mode>) and PICK (space-separated shell patterns of suite
# names, e.g. '10-gntdiff 7[0-5]-*': LAB_SUITES, else the stack's list)
suite_files() {   # suite_files <kind: dom0.sh | build.sh | host.sh>: the matching files, in name order
  local p pats
  read -ra pats <<< "$PICK"      # split without expanding the patterns against the current folder
  for p in "${pats[@]}"; do ls "$SUITES"/$p."$1" 2>/dev/null; done | sort -u
}

# Helpers for tmux-driven screen tests (sourced after tests/lib.sh).
# A private tmux server (own socket, no config), fixed size, TERM=xterm-256color, TZ=UTC,
# LANG=C.UTF-8, private HOME. Input by send-keys; wait_for polls capture-pane (no bare sleeps).
SCREEN_SOCK="tops-screen-$$-$RANDOM"
export TMUX_TMPDIR="$TEST_TMP" # the socket goes away with the test's directory
SCREEN_DIR="$TOPS_ROOT/tests/screen"

tm() { tmux -L "$SCREEN_SOCK" -f /dev/null "$@"; }
screen_stop() { tm kill-server >/dev/null 2>&1; return 0; }
on_exit screen_stop

# screen_start W H: a shell in a detached session; commands are typed into it with screen_run.
screen_start() {
  local w=${1:-120} h=${2:-40}
  tm new-session -d -x "$w" -y "$h" -e TERM=xterm-256color -e TZ=UTC -e LANG=C.UTF-8 \
     -e HOME="$HOME" -e HISTFILE=/dev/null -e KUBECONFIG="${KUBECONFIG:-}" -e PATH="$PATH" \
     "env PS1='screen\$ ' bash --norc --noprofile -i" || return 1
  tm set-option -g status off >/dev/null
  wait_for 'screen$' 5
}
screen_run() { tm send-keys -l "$*"; tm send-keys Enter; }
keys() { tm send-keys "$@"; }
capture() { tm capture-pane -p "$@"; }
# wait_for TEXT [TIMEOUT_S]: fixed-string match on the visible screen.
wait_for() {
  local text=$1 t=${2:-10}
  wait_until "$t" _screen_has "$text"
}
_screen_has() { capture | grep -qF -- "$1"; }
wait_gone() { wait_until "${2:-10}" _screen_lacks "$1"; }
_screen_lacks() { ! capture | grep -qF -- "$1"; }
# mask: ages, clocks, ports and kubesim's generated suffixes vary between runs.
mask() {
  sed -E -e 's/[0-9]{2}:[0-9]{2}:[0-9]{2} UTC/HH:MM:SS UTC/g' \
         -e 's#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#g' \
         -e 's/(^|[ (│|])[0-9]+[smhdy]([0-9]+[smh])?( ago\))? +/\1AGE /g' \
         -e 's/ +$//'
}
# screen_matches NAME: compares the masked screen with tests/screen/expected/NAME.txt;
# UPDATE=1 rewrites the expected file instead.
screen_matches() {
  local exp="$SCREEN_DIR/expected/$1.txt" got="$TEST_TMP/$1.got"
  capture | mask >"$got"
  if [ "${UPDATE:-0}" = 1 ]; then mkdir -p "$SCREEN_DIR/expected"; cp "$got" "$exp"; return 0; fi
  diff -u "$exp" "$got" >"$TEST_TMP/$1.diff" 2>&1
}

TOPS_BIN=${TOPS_BIN:-$TOPS_ROOT/bin/tops}
KUBESIM_BIN=${KUBESIM_BIN:-$TOPS_ROOT/bin/kubesim}
SIM_ARGS=()

# sim_start ARGS...: kubesim on a free loopback port (or $SIM_PORT when set), with a kubeconfig.
sim_start() { SIM_ARGS=("$@"); kubesim_start "$@"; }
sim_stop() { kubesim_stop; }
# sim_restart: the same scenario on the same port (the console must reconnect by itself).
sim_restart() { local port=$KUBESIM_PORT; sim_stop; SIM_PORT=$port sim_start "${SIM_ARGS[@]}"; }
# tops_pid: the console started from the session's shell.
tops_pid() { pgrep -P "$(tm display -p '#{pane_pid}')" -x tops | head -1; }

"""Process supervisor for runs without a PID namespace (isolation "none").

The harness passes this file's source to the sandbox interpreter with `-c`, so it must
use only the standard library and must not import the harness. Arguments: "UID:GID"
(or "-" to keep the current user) and then the program's command line.

It becomes a child subreaper, runs the program as its child under the given user, and
when the program ends (or SIGTERM arrives) kills and reaps every process left under it,
including ones that called setsid(). Running as root while the program does not, it
cannot be killed by the program. Its exit status mirrors the program's, with death by
signal N reported as exit code 128 + N, as a shell reports it.
"""

import ctypes
import os
import signal
import sys
import time

# From <linux/prctl.h>.
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38


class Stop(Exception):
    """SIGTERM from the harness: the run is over."""


def prctl(option, value):
    """Call prctl(2) and return whether it succeeded."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def drop_privileges(drop):
    """Switch to "UID:GID" with no supplementary groups, or keep the current user for "-"."""
    if drop != "-":
        uid, gid = (int(part) for part in drop.split(":"))
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    # setuid programs such as su must not regain privileges for the program.
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def children_of(pid):
    """Return the pids of the children of `pid`, from /proc."""
    pids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return pids
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                pids += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return pids


def kill_tree(root):
    """Send SIGKILL to every descendant of `root`, parents before their children.

    A process that has been sent SIGKILL can no longer fork, so reading its children
    after killing it gives the final list.
    """
    pending = children_of(root)
    seen = set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        pending += children_of(pid)


def kill_descendants():
    """Kill and reap everything under this process until nothing is left."""
    own_pid = os.getpid()
    while True:
        kill_tree(own_pid)
        try:
            while os.waitpid(-1, os.WNOHANG) != (0, 0):
                pass
        except ChildProcessError:
            return
        time.sleep(0.005)


def wait_for(main_pid):
    """Reap other children until `main_pid` exits, and leave that one unreaped."""
    while True:
        info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
        if info.si_pid == main_pid:
            return
        os.waitpid(info.si_pid, 0)


def stop(_signum, _frame):
    raise Stop


def main():
    drop, program = sys.argv[1], sys.argv[2:]
    signal.signal(signal.SIGTERM, stop)
    # Adopt orphaned descendants, so that they can be killed and reaped here.
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    main_pid = os.fork()
    if main_pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        try:
            # Its own process group lets the program be killed without killing this process.
            os.setpgid(0, 0)
            drop_privileges(drop)
            os.execv(program[0], program)
        finally:
            os._exit(127)
    stopped = False
    try:
        # Set in the parent too, so that the group exists before it is killed.
        try:
            os.setpgid(main_pid, main_pid)
        except OSError:
            pass
        wait_for(main_pid)
    except Stop:
        stopped = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Killing the program's whole group in one step stops a fork bomb inside it. The
    # program is not reaped yet, so its pid, which is the group id, cannot be reused.
    try:
        os.killpg(main_pid, signal.SIGKILL)
    except OSError:
        pass
    _, status = os.waitpid(main_pid, 0)
    # The tree walk catches processes that left the group with setsid().
    kill_descendants()
    if stopped:
        os._exit(128 + signal.SIGKILL)
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()

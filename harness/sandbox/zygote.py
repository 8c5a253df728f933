"""Pid 1 of a reusable bubblewrap sandbox: forks one fresh interpreter per program.

The harness passes this file's source to the sandbox interpreter with `-c`, so it must
use only the standard library and must not import the harness. Its only argument is the
number of the file descriptor of its end of a SOCK_SEQPACKET socket pair.

Protocol, one message per datagram, JSON encoded:

- start-up: this process sends {"ready": true}.
- per program: the harness sends {"dir", "env", "rlimits"} with two file descriptors
  attached (the write ends of the program's stdout and stderr pipes). This process forks
  a child that becomes the program, waits for it, kills and reaps every other process
  in the sandbox, removes what the program could have left in the kernel for the next
  one, and sends {"status": wait status, "cpu": seconds, "reusable": bool} or
  {"error": text}. "reusable" is false when something was left that this process
  cannot remove at once (see `keys_left`); the harness then stops this sandbox.
- end of file on the socket (the harness closed it or died): kill everything, exit.

Why reuse is safe: this process never receives a program's source or output. The
child reads the program file, and the output pipes go straight to the harness. So every
child forked from this process starts from the state the first one started from.

Programs run as the same user as this process, but cannot reach it. As pid 1 of a PID
namespace it receives no signal from inside the sandbox for which it has no handler.
It is not dumpable, so a program can neither trace it nor read its memory.

What survives a program in the kernel is removed before the next one starts: processes
(kill(-1) from pid 1 reaches every other process of the namespace), SysV IPC objects of
the namespace, and keys in the per-user keyrings. A sandbox where keys are still listed
afterwards is replaced. POSIX message queues cannot be created at all, because the child
sets RLIMIT_MSGQUEUE to 0.
"""

import ctypes
import gc
import json
import os
import platform
import resource
import select
import signal
import socket
import sys

# From <linux/prctl.h>.
PR_SET_DUMPABLE = 4
# From <linux/keyctl.h>.
KEYCTL_JOIN_SESSION_KEYRING = 1
KEYCTL_CLEAR = 7
KEYCTL_GET_PERSISTENT = 22
KEY_SPEC_PROCESS_KEYRING = -2
KEY_SPEC_USER_KEYRING = -4
KEY_SPEC_USER_SESSION_KEYRING = -5
# From <sys/ipc.h>.
IPC_RMID = 0
# keyctl(2) has no libc wrapper in glibc; its syscall number differs per architecture.
KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
MESSAGE_BYTES = 1 << 16
# Descriptions of the keyrings the kernel makes by itself: per-user, per-session,
# per-process and per-thread ones, and the user namespace's register of them.
STANDARD_KEYRINGS = ("_uid.", "_uid_ses.", "_persistent.", "_ses", "_pid", "_tid", ".user_reg")
PROGRAM_NAME = "program.py"

libc = ctypes.CDLL(None, use_errno=True)


class Quit(Exception):
    """The harness closed its end of the socket."""


def keyctl(*args):
    """Call keyctl(2) and return its result, or -1 where the syscall number is unknown."""
    if KEYCTL_SYSCALL is None:
        return -1
    return libc.syscall(KEYCTL_SYSCALL, *[ctypes.c_long(arg) for arg in args])


def reap(children):
    """Reap every exited child; record the status and CPU time of those in `children`."""
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in children:
            children[pid] = (status, usage.ru_utime + usage.ru_stime)


def kill_all_others():
    """Kill and reap every process of the namespace but this one."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.wait4(-1, 0)
        except ChildProcessError:
            return


def remove_ipc_objects():
    """Remove the SysV shared memory, semaphores and message queues of the namespace."""
    for kind, function, extra in (("shm", "shmctl", ()), ("sem", "semctl", (0,)), ("msg", "msgctl", ())):
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            ipc_id = int(row.split()[1])
            getattr(libc, function)(ipc_id, *extra, IPC_RMID, None)


def clear_keyrings():
    """Empty the keyrings that outlive a program: the user, user-session and persistent ones."""
    keyctl(KEYCTL_CLEAR, KEY_SPEC_USER_KEYRING)
    keyctl(KEYCTL_CLEAR, KEY_SPEC_USER_SESSION_KEYRING)
    persistent = keyctl(KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_PROCESS_KEYRING)
    if persistent > 0:
        keyctl(KEYCTL_CLEAR, persistent)


def keys_left():
    """Tell whether a key or a named keyring that a program made is still visible.

    Cleared keys stay listed until the kernel's key garbage collector runs, some time
    later. A sandbox where any are left is not reused: the harness starts a new one, whose
    new user namespace has new keyrings.
    """
    try:
        with open("/proc/keys", encoding="utf-8", errors="replace") as handle:
            rows = handle.read().splitlines()
    except OSError:
        return False
    for row in rows:
        fields = row.split(None, 8)
        if len(fields) < 9:
            continue
        kind, description = fields[7], fields[8].split(":", 1)[0]
        if kind != "keyring" or not description.startswith(STANDARD_KEYRINGS):
            return True
    return False


def become_program(request, out_fd, err_fd):
    """In the forked child: take the program's limits, files and environment, then run it.

    Never returns: the process ends through `finish`.
    """
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # A process group of its own, not a session: bwrap's --new-session already left the
    # sandbox without a controlling terminal, and setsid() costs about 3 ms here because
    # the kernel creates a scheduler autogroup for every new session.
    os.setpgid(0, 0)
    # A session keyring of its own, so keys it adds die with its processes.
    keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0)
    # This process inherited pid 1's non-dumpable flag; a program normally is dumpable
    # (core files stay off through RLIMIT_CORE = 0).
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    workdir = request["dir"]
    os.chdir(workdir)
    for rid, soft, hard in request["rlimits"]:
        resource.setrlimit(rid, (soft, hard))
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [PROGRAM_NAME]
    sys.path[0] = workdir
    module = type(sys)("__main__")
    module.__file__ = os.path.join(workdir, PROGRAM_NAME)
    module.__builtins__ = __builtins__
    module.__cached__ = None
    sys.modules["__main__"] = module
    del request
    with open(PROGRAM_NAME, "rb") as handle:
        source = handle.read()
    try:
        code = compile(source, module.__file__, "exec", dont_inherit=True)
        del source
        exec(code, module.__dict__)
    except SystemExit as exc:
        finish(exit_status(exc.code))
    except BaseException:
        kind, value, trace = sys.exc_info()
        # Drop this function's frame, so the traceback starts at the program, as it does
        # for `python program.py`. Errors of compile() itself have no frame below it.
        sys.excepthook(kind, value.with_traceback(trace.tb_next), trace.tb_next)
        del kind, value, trace
        finish(1)
    finish(0)


def exit_status(code):
    """Return the exit status for `SystemExit(code)`, printing a message as the interpreter does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def finish(status):
    """End the program's process as the interpreter's shutdown would, without its slow part.

    The interpreter waits for non-daemon threads, runs atexit handlers and flushes the
    standard streams, then tears down every module, which takes about 5 ms of CPU and
    has no effect a test can see. This does the first three and exits.
    """
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        sys.excepthook(*sys.exc_info())
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            # The interpreter exits with 120 when flushing the standard streams fails.
            status = 120
    os._exit(status)


def serve(channel):
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    os.set_blocking(wake_read, False)
    signal.set_wakeup_fd(wake_write)
    # A handler (even one that does nothing) makes the kernel deliver SIGCHLD to pid 1
    # and the wake-up pipe report it, so exited processes are reaped at once and never
    # count as zombies against RLIMIT_NPROC.
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)
    channel.send(json.dumps({"ready": True}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(channel, MESSAGE_BYTES, 2)
        if not message:
            raise Quit
        request = json.loads(message)
        out_fd, err_fd = fds
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(out_fd)
            os.close(err_fd)
            channel.send(json.dumps({"error": f"fork failed: {exc}"}).encode())
            continue
        if pid == 0:
            channel.close()
            os.close(wake_read)
            os.close(wake_write)
            become_program(request, out_fd, err_fd)
        os.close(out_fd)
        os.close(err_fd)
        children = {pid: None}
        try:
            while children[pid] is None:
                ready, _, _ = select.select([channel, wake_read], [], [])
                if channel in ready and not channel.recv(MESSAGE_BYTES, socket.MSG_PEEK):
                    raise Quit
                try:
                    os.read(wake_read, 4096)
                except BlockingIOError:
                    pass
                reap(children)
        finally:
            kill_all_others()
        remove_ipc_objects()
        clear_keyrings()
        status, cpu = children[pid]
        channel.send(json.dumps({"status": status, "cpu": cpu, "reusable": not keys_left()}).encode())


def main():
    # Objects that exist now move to a generation the collector never scans, so a
    # collection in a forked child does not write to, and so copy, every page of them.
    gc.freeze()
    # Python's own SIGINT handler would let a program interrupt pid 1.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    channel = socket.socket(fileno=int(sys.argv[1]))
    try:
        serve(channel)
    except Quit:
        pass
    kill_all_others()


if __name__ == "__main__":
    main()

"""Report kernels start reliably when many start at once (issue 24 item 4): a kernel and its client
talk over Unix sockets in the kernel's private folder, never TCP ports. jupyter_client picks a TCP
port by binding port 0 and releasing it for the kernel; another process starting a kernel in
between may take it, and the kernel dies at start (the property batch's first report failed so,
"kernel died" after 3 s, once in four full runs with two xdist workers).

Waits are deadlines, generous for a loaded 2-core machine; speed is not asserted.
"""

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from analysis.pipeline import kernel

#: Seconds the stress test's processes have to start, use and close all their kernels.
WAIT_S = 600.0


def test_a_long_runtime_folder_puts_the_sockets_in_a_short_private_one(tmp_path):
    long = tmp_path / ("x" * 100)  # beyond a Unix socket path's 107 characters with the socket's name
    long.mkdir()
    warm = kernel.WarmKernel(long)
    folder = warm._socket_folder()
    try:
        assert folder.name.startswith(kernel.SOCKET_PREFIX + "live-")
        assert len(str(folder)) + kernel.SOCKET_TAIL <= kernel.SOCKET_PATH_MAX
        assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    finally:
        warm.close()
    assert not folder.exists()  # removed with the kernel
    short = Path(tempfile.mkdtemp(prefix="k-"))
    try:
        assert kernel.WarmKernel(short)._socket_folder() == short  # short enough: its own folder
    finally:
        short.rmdir()


#: One process of the stress test: start ``N`` kernels at once (one thread each, as a batch's
#: workers do), when told on stdin; each answers a cell, then closes; prints what each saw as JSON.
STRESS = """
import json, sys, threading
from jupyter_core.utils import run_sync
from analysis.pipeline.kernel import WarmKernel

folder, n = sys.argv[1], int(sys.argv[2])
results, go = [None] * n, threading.Event()

def one(i):
    warm = WarmKernel(folder)
    try:
        go.wait()
        warm.ready()
        info = json.load(open(warm.manager.connection_file))
        seen = []
        run_sync(warm.client.execute_interactive)(
            f"print({i} * 7)", timeout=300,
            output_hook=lambda m: seen.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
        )
        results[i] = {"out": "".join(seen).strip(), "transport": info["transport"], "ip": info["ip"]}
    except Exception as err:
        results[i] = {"error": f"{type(err).__name__}: {err}"}
    finally:
        warm.close()

threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
print("ready", flush=True)
sys.stdin.readline()
go.set()
for t in threads:
    t.join()
print(json.dumps(results), flush=True)
"""


@pytest.mark.render
def test_many_kernels_started_at_once_by_two_processes_all_start_on_unix_sockets(tmp_path):
    """Two processes start four kernels each at the same moment (eight at once on two cores):
    every one starts and answers, over Unix sockets in its process's private folder, and nothing
    is left in the folders."""
    per_process = 4
    folders = [Path(tempfile.mkdtemp(prefix="ks-")) for _ in range(2)]  # 0700, short
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STRESS, str(folder), str(per_process)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in folders
    ]
    try:
        for proc in procs:  # both have their threads waiting: then they start together
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes = []
        for proc in procs:
            out, err = proc.communicate(timeout=WAIT_S)
            assert proc.returncode == 0, err
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            proc.kill()
    for folder, results in zip(folders, outcomes, strict=True):
        # kernel i printed i * 7: 0, 7, 14, 21
        assert [r.get("out") for r in results] == ["0", "7", "14", "21"], results
        assert {r["transport"] for r in results} == {"ipc"}
        assert all(Path(r["ip"]).parent == folder for r in results)
        assert list(folder.iterdir()) == []  # connection files and sockets gone with their kernels
        folder.rmdir()


@pytest.mark.render
def test_a_kernel_listens_on_unix_sockets_in_its_private_folder_only(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="ks-"))
    warm = kernel.WarmKernel(folder)
    try:
        warm.ready()
        info = json.loads(Path(warm.manager.connection_file).read_text())
        assert info["transport"] == "ipc" and Path(info["ip"]).parent == folder
        names = [f"{info['ip']}-{info[port]}" for port in ("shell_port", "iopub_port", "stdin_port", "control_port")]
        names.append(f"{info['ip']}-{info['hb_port']}")
        assert all(stat.S_ISSOCK(os.stat(name).st_mode) for name in names)
        assert oct(os.stat(folder).st_mode & 0o777) == "0o700"  # nobody else may reach them
    finally:
        warm.close()
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()

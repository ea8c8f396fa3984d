"""Report kernels forked from a template process (analysis/pipeline/ipykernel_template.py): a
forked kernel is the kernel a cold start gives, a killed one is replaced, a template that is gone
makes kernels start cold, and nothing outlives the batch. Waits are deadlines, generous for a
loaded 2-core machine; speed is not asserted."""

from __future__ import annotations

import json
import os
import select
import subprocess

import pytest
from jupyter_core.utils import run_sync

from analysis.pipeline import ipykernel_template, notebooks
from analysis.pipeline.kernel import WarmKernel

#: Seconds a process has to end after it was told to (or its parent ended).
GONE_S = 60.0

#: What a kernel reports of itself: everything a report could see differ between a kernel started
#: cold and one forked from the template.
SELF = """import json, os, signal, sys, threading, matplotlib
print(json.dumps({"path": sys.path, "cwd": os.getcwd(), "backend": matplotlib.get_backend(),
    "env": sorted(os.environ), "threads": sorted(t.name for t in threading.enumerate()),
    "signals": [str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGCHLD, signal.SIGPIPE, signal.SIGTERM)],
    "stdin": sys.stdin.read(), "rc": {k: str(v) for k, v in matplotlib.rcParams.items()},
    "leader": os.getpgid(0) == os.getpid(), "ppid": os.getppid()}))"""


def report(kernel: WarmKernel) -> dict:
    out = []
    run_sync(kernel.client.execute_interactive)(
        SELF, timeout=300, output_hook=lambda m: out.append(m["content"]["text"]) if m["msg_type"] == "stream" else None
    )
    return json.loads("".join(out))


def gone(pid: int) -> bool:
    """Whether ``pid`` ends within :data:`GONE_S`: all its threads (a pidfd turns readable then; a
    killed kernel's main thread shows as a zombie while its other threads still end)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], GONE_S)[0])
    finally:
        os.close(fd)


def test_a_batch_preloads_the_kernel_stack_and_each_of_its_reports_modules_once():
    modules = ipykernel_template.modules_for(["training_run", "chip_parity", "training_run"])
    reports = ("analysis.assembly.present", "analysis.assembly.chip_parity", "analysis.assembly.training_run")
    assert modules == (*ipykernel_template.PRELOAD, *reports)  # each once, scipy.stats not (see modules_for)
    # an entry naming no notebook (a refused scenario) preloads nothing for it
    template = ipykernel_template.Template(["training_run", "no_such_report"])
    assert "analysis.assembly.training_run" in template.modules
    assert not any("no_such_report" in m for m in template.modules)
    template.close()  # never asked: no process started
    assert template.process is None


@pytest.mark.render
def test_a_forked_kernel_is_the_kernel_a_cold_start_gives(tmp_path):
    template = ipykernel_template.Template(notebooks.notebook_names())
    cold, forked = WarmKernel(tmp_path), WarmKernel(tmp_path, template=template)
    try:
        cold.ready()
        forked.ready()
        assert isinstance(forked.manager.provisioner.process, ipykernel_template._Forked)
        assert not isinstance(cold.manager.provisioner.process, ipykernel_template._Forked)
        seen_cold, seen_forked = report(cold), report(forked)
        assert seen_forked.pop("ppid") == template.process.pid and seen_cold.pop("ppid") == os.getpid()
        assert seen_forked == seen_cold
        assert seen_forked["leader"] and seen_forked["stdin"] == ""
    finally:
        cold.close()
        forked.close()
        template.close()
    assert template.process.returncode == 0


@pytest.mark.render
def test_a_killed_forked_kernel_is_replaced_and_a_template_gone_leaves_kernels_starting_cold(tmp_path):
    template = ipykernel_template.Template(["export_controls"])
    warm = WarmKernel(tmp_path, template=template)
    try:
        warm.ready()
        first = warm.manager.provisioner.pid
        warm.kill()  # as the deadline's watchdog does
        assert gone(first)
        warm.ready()  # a new kernel, forked again
        assert warm.manager.provisioner.pid != first
        assert isinstance(warm.manager.provisioner.process, ipykernel_template._Forked)
        second = warm.manager.provisioner.pid
        template.process.kill()
        template.process.wait(timeout=GONE_S)
        assert gone(second)  # its kernel ends with it (it watches its parent)
        warm.ready()  # the template is gone: a cold kernel, which answers
        assert not isinstance(warm.manager.provisioner.process, ipykernel_template._Forked)
        assert report(warm)["ppid"] == os.getpid() and template.broken
    finally:
        warm.close()
        template.close()


@pytest.mark.render
def test_closing_the_template_ends_the_kernels_it_forked(tmp_path):
    template = ipykernel_template.Template(["export_controls"])
    warm = WarmKernel(tmp_path, template=template)
    try:
        warm.ready()
        pid = warm.manager.provisioner.pid
        template.close()  # a batch ends its kernels first; one left running is killed
        assert template.process.returncode == 0 and gone(pid)
        assert template.fork(["x"], {}, tmp_path) is None  # closed: kernels start cold
    finally:
        warm.close()
        template.close()


def test_a_template_that_cannot_start_gives_no_kernel(tmp_path, monkeypatch):
    template = ipykernel_template.Template(["export_controls"])

    def no_process(*args, **kwargs):
        raise OSError("no process")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    cmd = [ipykernel_template.sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k.json")]
    assert template.fork(cmd, dict(os.environ), tmp_path) is None and template.broken
    assert template.fork(cmd, dict(os.environ), tmp_path) is None  # not asked again
    template.close()


#: A batch's process in miniature: a template and a kernel forked from it; prints both pids, then waits.
HOLDER = """
import sys, time
from analysis.pipeline import ipykernel_template
from analysis.pipeline.kernel import WarmKernel

template = ipykernel_template.Template(["export_controls"])
warm = WarmKernel(sys.argv[1], template=template)
warm.ready()
print(template.process.pid, warm.manager.provisioner.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.render
def test_a_batch_killed_leaves_neither_its_template_nor_its_kernels_running(tmp_path):
    holder = subprocess.Popen(
        [ipykernel_template.sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        template_pid, kernel_pid = map(int, holder.stdout.readline().split())
        holder.kill()  # SIGKILL: nothing of it runs to clean up
        holder.wait(timeout=GONE_S)
        # the template sees its input end and kills the kernel it forked, then ends
        assert gone(kernel_pid) and gone(template_pid)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()

import pytest
import torch

from initlab.devices import select_device
from initlab.errors import DeviceError

pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour without CUDA")


def test_auto_falls_back_to_cpu(monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.delenv("SLURM_JOBID", raising=False)
    assert select_device("auto").type == "cpu"


def test_cuda_without_gpu_names_host_and_fix(monkeypatch):
    with pytest.raises(DeviceError) as raised:
        select_device("cuda")
    assert "device: auto" in raised.value.render("en")
    assert "device: auto" in raised.value.render("fr")


def test_auto_fails_in_slurm_job_given_a_gpu(monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "17")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(DeviceError):
        select_device("auto")


def test_cpu_is_always_allowed(monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "17")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    assert select_device("cpu").type == "cpu"


def test_deterministic_skips_nan_fill(monkeypatch):
    monkeypatch.setattr(torch.utils.deterministic, "fill_uninitialized_memory", True)

    select_device("cpu", deterministic=True)

    assert torch.are_deterministic_algorithms_enabled()
    assert torch.utils.deterministic.fill_uninitialized_memory is False

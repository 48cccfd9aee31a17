"""Memory of another process from the kernel: its resident size (VmRSS) and its peak (VmHWM),
which no sampling can miss."""
from __future__ import annotations


def memory_kb(pid: int) -> dict[str, int]:
    with open(f"/proc/{pid}/status") as status:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status) if k in ("VmRSS", "VmHWM")}

"""Hosts in an import: one host however a file or the workbook names it, and what the files say
about each host of an open item (it passes, a rescan no longer reports it, it is still open).

A Nessus ReportHost named by its IP and carrying a host-fqdn tag, or a checklist with HOST_NAME,
HOST_FQDN and HOST_IP, gives one target several names (``Record.names``); an item that lists
any of them is that host's item, and the name the item already holds is kept.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .base import Record


class Names:
    """Host names of one import: each target's name (the one Affected Assets takes) and its other
    names (FQDN, IP). Another name stands for a target only when it names one target: two
    checklists giving web01 and web02 the same HOST_IP stay two hosts. Case and spacing ignored."""

    def __init__(self, records: Iterable[Record]) -> None:
        self._others: dict[str, set[str]] = {}  # a name -> the targets it names
        for rec in records:
            for host, forms in rec.names.items():
                for form in forms:
                    if not _loopback(form):
                        self._others.setdefault(_plain(form), set()).add(_plain(host))

    def key(self, name: str) -> str:
        """The host ``name`` stands for (the same key for each of its names)."""
        plain = _plain(name)
        targets = self._others.get(plain, ())
        return next(iter(targets)) if len(targets) == 1 else plain

    def keys(self, names: Iterable[str]) -> dict[str, str]:
        """key -> the first of ``names`` naming that host."""
        out: dict[str, str] = {}
        for name in names:
            out.setdefault(self.key(name), name)
        return out

    def unique(self, names: Iterable[str]) -> list[str]:
        """``names`` with each host once (its first name)."""
        return list(self.keys(names).values())


def _loopback(name: str) -> bool:
    try:
        ip = ipaddress.ip_address(name.strip())
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _plain(name: str) -> str:
    return " ".join(name.split()).lower()


@dataclass
class Partly:
    """An open item some of whose hosts passed or were rescanned without the finding."""

    item: Any
    passes: list[str]  # the item's hosts now passing
    absent: list[str]  # the item's hosts a rescan scanned without reporting the finding
    still: list[str]  # hosts it is still open on

    def text(self) -> str:
        said = []
        if self.passes:
            said.append(f"{', '.join(self.passes)} {'passes' if len(self.passes) == 1 else 'pass'}")
        if self.absent:
            said.append(f"{', '.join(self.absent)} not found on rescan")
        return f"item {self.item} ({'; '.join(said)}; still open on {', '.join(self.still)})"


@dataclass
class Verdicts:
    resolved: list[Any]  # every host passes: "now passing (close them after review)"
    absent: list[Any]  # every host rescanned without it (or passing): "not found on a rescanned host"
    partly: list[Partly]  # some hosts cleared, the item still open on others: stays open


def review(existing: list[dict[str, Any]], names: Names, passes: Mapping[int, set[str]],
           failing: Mapping[int, dict[str, str]], present: Mapping[str, set[str]],
           scanned: set[str]) -> Verdicts:
    """What the import says about each open item (never closes one).

    ``passes``: row -> host keys a passing result matched to the item; ``failing``: row -> host
    key -> name of a finding matched to it in this import; ``present``: identifier key -> host
    keys any result of this import reports it on; ``scanned``: host keys the files scanned
    (Nessus ReportHosts). A host of a vulnerability-scan item (a Nessus plugin) that was scanned
    and does not report the plugin any more is "not found on rescan"."""
    out = Verdicts([], [], [])
    for e in existing:
        if not e["open"]:
            continue
        own = names.keys(e["hosts"])  # key -> the item's own spelling
        fail = failing.get(e["row"], {})
        passed = passes.get(e["row"], set())
        absent: set[str] = set()
        if scanned and any(k.startswith("plugin:") for k in e["keys"]):
            reported = set().union(*(present.get(k, set()) for k in e["keys"]))
            absent = {k for k in own if k in scanned and k not in reported}
        if not passed and not absent:
            continue
        if not own:  # no host listed: a pass is all there is to go by
            if not fail:
                out.resolved.append(e["item"])
            continue
        cleared_pass = (passed & own.keys()) - fail.keys()
        cleared_absent = absent - fail.keys() - cleared_pass
        if not cleared_pass and not cleared_absent:
            continue
        still = [h for k, h in own.items() if k not in cleared_pass | cleared_absent]
        still += [h for k, h in fail.items() if k not in own]
        if not still:
            (out.absent if cleared_absent else out.resolved).append(e["item"])
        else:
            out.partly.append(Partly(e["item"], [own[k] for k in own if k in cleared_pass],
                                     [own[k] for k in own if k in cleared_absent], still))
    return out

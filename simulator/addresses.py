"""IP address spaces of the simulated internet: residential ISP blocks, carrier-grade NAT pools, VPN
exits, offices, campuses, clouds and residential proxy pools, all as indices into one string table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

RESIDENTIAL_FIRST_OCTETS: Final = np.array(
    [
        24,
        47,
        50,
        67,
        68,
        71,
        73,
        75,
        76,
        77,
        78,
        79,
        81,
        82,
        83,
        84,
        86,
        87,
        88,
        89,
        90,
        91,
        92,
        93,
        94,
        109,
        151,
        176,
        177,
        178,
        179,
        180,
        181,
        182,
        183,
        186,
        187,
        189,
        190,
        191,
        200,
        201,
    ]
)
MOBILE_FIRST_OCTETS: Final = np.array([100, 107, 117, 166, 172, 174, 39, 49, 106, 112])
DATACENTER_FIRST_OCTETS: Final = np.array([5, 31, 37, 45, 62, 103, 141, 149, 185, 193, 194, 195, 212])
CLOUD_FIRST_OCTETS: Final = np.array([3, 13, 18, 20, 34, 35, 44, 52, 54, 104, 130, 146, 159, 165])
BUSINESS_FIRST_OCTETS: Final = np.array([12, 38, 63, 64, 65, 66, 69, 70, 72, 96, 97, 98, 208, 209, 216])
CAMPUS_FIRST_OCTETS: Final = np.array([128, 129, 131, 132, 134, 136, 137, 138, 140, 143, 152, 155, 171])


def ipv4_strings(values: npt.NDArray[np.uint32]) -> ObjectArray:
    octets = [(values >> shift) & 0xFF for shift in (24, 16, 8, 0)]
    text = octets[0].astype(str).astype(object)
    for octet in octets[1:]:
        text = text + "." + octet.astype(str).astype(object)
    result: ObjectArray = text
    return result


class AddressBook:
    """Append-only table of IP strings plus named pools (contiguous runs of table indices)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._chunks: list[ObjectArray] = []
        self._size = 0
        self._pool_members: list[IntArray] = []
        self.pool_offsets: IntArray = np.zeros(0, dtype=np.int64)
        self.pool_sizes: IntArray = np.zeros(0, dtype=np.int64)
        self.members: IntArray = np.zeros(0, dtype=np.int64)
        self.table: ObjectArray = np.zeros(0, dtype=object)

    @contextmanager
    def drawing_from(self, rng: np.random.Generator) -> Iterator[None]:
        """Draw new addresses from `rng` for a while (a part built on its own random stream)."""
        previous, self._rng = self._rng, rng
        try:
            yield
        finally:
            self._rng = previous

    def add(self, addresses: ObjectArray) -> IntArray:
        indices = np.arange(self._size, self._size + len(addresses), dtype=np.int64)
        self._chunks.append(addresses)
        self._size += len(addresses)
        return indices

    def blocks(self, first_octets: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.uint32]:
        """`count` random /24 network addresses (as integers) with the given first octets."""
        first = first_octets[self._rng.integers(0, len(first_octets), size=count)].astype(np.uint32)
        middle = self._rng.integers(0, 1 << 16, size=count).astype(np.uint32)
        return np.asarray((first << 24) | (middle << 8), dtype=np.uint32)

    def hosts_in(self, blocks: npt.NDArray[np.uint32]) -> ObjectArray:
        """One random host address inside each given /24."""
        hosts = self._rng.integers(1, 255, size=len(blocks)).astype(np.uint32)
        return ipv4_strings(blocks | hosts)

    def ipv6_hosts(self, count: int, prefix: str) -> ObjectArray:
        groups = self._rng.integers(0, 1 << 16, size=(count, 4))
        return np.array([f"{prefix}:{a:x}:{b:x}::{c:x}:{d:x}" for a, b, c, d in groups.tolist()], dtype=object)

    def pool(self, members: IntArray) -> int:
        self._pool_members.append(np.asarray(members, dtype=np.int64))
        return len(self._pool_members) - 1

    def nat_pool(self, first_octets: npt.NDArray[np.int64], rng: np.random.Generator, low: int, high: int) -> int:
        """A pool of `low` to `high - 1` addresses (how many drawn from `rng`) inside one random /24 with
        the given first octets: an office, campus or venue NAT."""
        return self.pool(self.add(self.hosts_in(self.blocks(first_octets, 1).repeat(int(rng.integers(low, high))))))

    def freeze(self) -> None:
        self.table = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=object)
        sizes = np.array([len(m) for m in self._pool_members], dtype=np.int64)
        self.pool_sizes = sizes
        self.pool_offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.members = np.concatenate(self._pool_members) if self._pool_members else np.zeros(0, dtype=np.int64)

    def pick(self, pool_ids: IntArray, uniforms: npt.NDArray[np.float64]) -> IntArray:
        """Table index of a member of each pool, chosen by a uniform in [0, 1)."""
        offsets = (uniforms * self.pool_sizes[pool_ids]).astype(np.int64)
        picked: IntArray = self.members[self.pool_offsets[pool_ids] + offsets]
        return picked

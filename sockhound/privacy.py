"""Keyed hashing of personal values: IPs, emails, payment fingerprints, prompt fingerprints.

Nothing personal reaches Neo4j raw. Every identifier becomes ``HMAC-SHA256(key, kind || 0x00 || value)``,
hex, truncated to 32 characters (128 bits). The *kind* prefix separates domains, so an IP and an email
with the same spelling never share a key, and an upstream prompt fingerprint can never be confused with
one sockhound computed. Without the key nobody can confirm a guessed value against the graph.

Only coarse facts that detection needs are kept in clear: IP version, card brand/funding/BIN/country. The
network an IP sits in is hashed too (/24 for IPv4, /48 for IPv6); an email's domain is not kept at all.

All the Series functions hash each *distinct* value once (exports repeat values a lot) and map back.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import re
import struct
from collections.abc import Callable, Iterable
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

KEY_CHARS: Final = 32
"""Length of every keyed hash in hex characters (128 bits)."""

# Domain-separation prefixes: one per kind of value. Never reuse or rename one (keys would change).
KIND_IP: Final = "ip"
KIND_SUBNET: Final = "subnet"
KIND_EMAIL: Final = "email"
KIND_PAYMENT: Final = "payment"
KIND_PROMPT_EXACT: Final = "prompt-exact"
KIND_PROMPT_TEMPLATE: Final = "prompt-template"
KIND_PROMPT_UPSTREAM: Final = "prompt-upstream"

IPV4_SUBNET_BITS: Final = 24
IPV6_SUBNET_BITS: Final = 48

# Providers that ignore dots in the local part; googlemail.com is an alias of gmail.com.
DOT_INSENSITIVE_DOMAINS: Final = frozenset({"gmail.com"})
DOMAIN_ALIASES: Final = {"googlemail.com": "gmail.com"}


class KeyedHasher:
    """HMAC-SHA256 with one secret and a domain-separation prefix per kind of value."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) == 0:
            raise ValueError("KeyedHasher needs a non-empty secret key (SOCKHOUND_HASH_KEY)")
        self._key = bytes(key)
        self._prepared: dict[str, hmac.HMAC] = {}

    def __repr__(self) -> str:  # never print the key
        return "KeyedHasher(<secret>)"

    def _state(self, kind: str) -> hmac.HMAC:
        state = self._prepared.get(kind)
        if state is None:
            state = hmac.new(self._key, kind.encode() + b"\x00", hashlib.sha256)
            self._prepared[kind] = state
        return state

    def hash_one(self, kind: str, value: str) -> str:
        """Keyed hash of one value of one kind."""
        mac = self._state(kind).copy()
        mac.update(value.encode("utf-8", "surrogatepass"))
        return mac.hexdigest()[:KEY_CHARS]

    def hash_many(self, kind: str, values: Iterable[str]) -> list[str]:
        """Keyed hashes of many values of one kind (a tight loop over a prepared HMAC state)."""
        base = self._state(kind)
        out: list[str] = []
        append = out.append
        for value in values:
            mac = base.copy()
            mac.update(value.encode("utf-8", "surrogatepass"))
            append(mac.hexdigest()[:KEY_CHARS])
        return out

    def digest_pairs(self, kind: str, values: Iterable[bytes]) -> npt.NDArray[np.uint64]:
        """The same keyed hashes as numbers: shape (n, 2) uint64, the (high, low) halves of the 128 bits
        whose hex is ``hash_one`` (``f"{high:016x}{low:016x}"``). For UTF-8 encoded values."""
        base = self._state(kind)
        digests: list[bytes] = []
        append = digests.append
        for value in values:
            mac = base.copy()
            mac.update(value)
            append(mac.digest()[: KEY_CHARS // 2])
        joined = b"".join(digests)
        return np.frombuffer(joined, dtype=">u8").astype(np.uint64).reshape(-1, 2)

    def hash_series(self, kind: str, values: pd.Series) -> pd.Series:
        """Keyed hash per element; NA stays NA. Each distinct value is hashed once."""
        return _map_distinct(values, lambda uniques: self.hash_many(kind, uniques))

    def derive_seed(self, purpose: str) -> int:
        """A 64-bit seed derived from the key, so hashing inside sketches (MinHash) is keyed too."""
        digest = hmac.digest(self._key, b"seed\x00" + purpose.encode(), hashlib.sha256)
        return int(struct.unpack("<Q", digest[:8])[0])

    def derive_key(self, purpose: str) -> bytes:
        """A 32-byte subkey for a keyed primitive other than HMAC (e.g. blake2b token hashing)."""
        return hmac.digest(self._key, b"subkey\x00" + purpose.encode(), hashlib.sha256)


def _map_distinct(values: pd.Series, transform: Callable[[list[str]], list[str]]) -> pd.Series:
    """Apply ``transform`` to the distinct non-NA values and map the results back onto ``values``."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.asarray(transform([str(u) for u in uniques]), dtype=object)
    out = np.full(len(values), None, dtype=object)
    present = codes >= 0
    if len(mapped):
        out[present] = mapped[codes[present]]
    return pd.Series(out, index=values.index, dtype="string")


# --------------------------------------------------------------------------------------------------------
# IP addresses


def ip_facts(ip: str) -> tuple[str, int, str]:
    """(canonical address, version, subnet in CIDR) of one address; IPv4-mapped IPv6 counts as IPv4."""
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = IPV4_SUBNET_BITS if address.version == 4 else IPV6_SUBNET_BITS
    subnet = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return str(address), address.version, str(subnet)


_IPV4_OCTET: Final = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4: Final = re.compile(rf"{_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}")
"""Dotted-quad IPv4 already in ``ipaddress``'s canonical spelling (no leading zeros)."""


def _ip_facts_many(ips: list[str]) -> list[tuple[str, int, str]]:
    """``ip_facts`` per address, with a string-only fast path for canonical IPv4 (the bulk of traffic)."""
    out: list[tuple[str, int, str]] = []
    append = out.append
    fullmatch = _CANONICAL_IPV4.fullmatch
    for ip in ips:
        address = ip.strip()
        if fullmatch(address):
            append((address, 4, address[: address.rindex(".")] + ".0/24"))
        else:
            append(ip_facts(address))
    return out


def hash_ips(ips: pd.Series, hasher: KeyedHasher) -> pd.DataFrame:
    """Per element of ``ips``: ``ipKey``, ``version`` (4|6), ``subnetKey``. Index aligned with ``ips``.

    Raises ValueError on an address that does not parse (the validator should have quarantined it).
    """
    codes, uniques = pd.factorize(ips, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError("hash_ips: missing IP address in a validated chunk")
    facts = _ip_facts_many([str(u) for u in uniques])
    ip_keys = np.asarray(hasher.hash_many(KIND_IP, (f[0] for f in facts)), dtype=object)
    versions = np.fromiter((f[1] for f in facts), dtype=np.int8, count=len(facts))
    subnet_codes, subnets = pd.factorize(pd.Series([f[2] for f in facts], dtype=object))
    subnet_keys = np.asarray(hasher.hash_many(KIND_SUBNET, [str(s) for s in subnets]), dtype=object)[subnet_codes]
    return pd.DataFrame(
        {
            "ipKey": ip_keys[codes] if len(facts) else np.array([], dtype=object),
            "version": versions[codes] if len(facts) else np.array([], dtype=np.int8),
            "subnetKey": subnet_keys[codes] if len(facts) else np.array([], dtype=object),
        },
        index=ips.index,
    )


# --------------------------------------------------------------------------------------------------------
# Emails


def normalise_email(email: str) -> tuple[str, str] | None:
    """(normalised address, normalised domain), or None when it is not an address.

    Lower-case, trimmed; ``+tag`` removed from the local part; dots removed from the local part for
    dot-insensitive providers (gmail); googlemail.com folded into gmail.com; domain IDNA-encoded.
    Sock-puppet farms rely on exactly these aliases to mint many "different" addresses from one inbox.
    """
    text = email.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return None
    domain = domain.strip().rstrip(".")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    domain = DOMAIN_ALIASES.get(domain, domain)
    if not domain or "." not in domain:
        return None
    local = local.split("+", 1)[0]
    if domain in DOT_INSENSITIVE_DOMAINS:
        local = local.replace(".", "")
    if not local:
        return None
    return f"{local}@{domain}", domain


def hash_emails(emails: pd.Series, hasher: KeyedHasher) -> pd.DataFrame:
    """Per element: ``emailKey``, the keyed hash of the normalised address (NA where NA or unparseable).

    The domain is not kept in clear: nothing in detection uses it, and with a corporate domain it names the
    employer. Index aligned with ``emails``.
    """
    codes, uniques = pd.factorize(emails, use_na_sentinel=True)
    normalised = [normalise_email(str(u)) for u in uniques]
    keys = np.full(len(uniques), None, dtype=object)
    valid = [i for i, n in enumerate(normalised) if n is not None]
    if valid:
        keys[valid] = hasher.hash_many(KIND_EMAIL, (normalised[i][0] for i in valid))  # type: ignore[index]
    out_keys = np.full(len(emails), None, dtype=object)
    present = codes >= 0
    if len(uniques):
        out_keys[present] = keys[codes[present]]
    return pd.DataFrame({"emailKey": pd.array(out_keys, dtype="string")}, index=emails.index)


# --------------------------------------------------------------------------------------------------------
# Payment instruments


def hash_payment_fingerprints(fingerprints: pd.Series, hasher: KeyedHasher) -> pd.Series:
    """Keyed hash of the processor's instrument fingerprint (trimmed, case kept: tokens are case-sensitive).

    The validator refuses card-number-looking values before they get here; this is not a PAN hasher.
    """
    trimmed = fingerprints.astype("string").str.strip()
    return hasher.hash_series(KIND_PAYMENT, trimmed)


def hash_upstream_prompt_fingerprints(fingerprints: pd.Series, hasher: KeyedHasher) -> pd.Series:
    """Keyed hash of an exporter-supplied prompt fingerprint, in its own domain (kind ``upstream``)."""
    return hasher.hash_series(KIND_PROMPT_UPSTREAM, fingerprints.astype("string").str.strip())

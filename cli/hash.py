"""`sockhound hash ip|subnet|payment|email VALUE`: the keyed key a raw value has in the graph, for an analyst
query (`accounts_behind_subnet -p subnetKey=...`) or a lookup in Neo4j Browser.

Operator-local on purpose: it needs the hash key (`SOCKHOUND_HASH_KEY` / `_FILE`), runs on the operator's
machine and is never offered over the API (whoever can make a server hash a chosen value learns its key, a
hash oracle). The value goes through the loaders' own normalisation and hashing (`loaders.contract`,
`sockhound.privacy`), so the key printed is the key a load of that value wrote. `-` reads the value from standard
input (one line), which keeps it out of the shell history and `ps`. Errors never repeat the value.
"""

from __future__ import annotations

import ipaddress
import sys
from enum import StrEnum
from typing import Annotated

import pandas as pd
import typer

from loaders.contract import normalise_ips
from sockhound.privacy import (
    IPV4_SUBNET_BITS,
    IPV6_SUBNET_BITS,
    KIND_SUBNET,
    KeyedHasher,
    hash_emails,
    hash_ips,
    hash_payment_fingerprints,
)
from sockhound.sensitive import card_number_like
from sockhound.settings import HashKeyError, get_settings


class HashKind(StrEnum):
    ip = "ip"
    subnet = "subnet"
    payment = "payment"
    email = "email"


class HashInputError(ValueError):
    """A value the loaders would have refused (the message never holds the value)."""


def _address(value: str) -> str:
    normalised, invalid = normalise_ips(pd.Series([value], dtype=object))
    if invalid[0]:
        raise HashInputError("not an IPv4 or IPv6 address")
    return str(normalised[0])


def _subnet(value: str, hasher: KeyedHasher) -> str:
    """An address (its subnet) or the subnet itself in CIDR, /24 for IPv4 and /48 for IPv6 as loads group them."""
    if "/" not in value:
        return str(hash_ips(pd.Series([_address(value)], dtype=object), hasher)["subnetKey"].iloc[0])
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise HashInputError("not an IP address or a subnet in CIDR notation") from None
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
        raise HashInputError("give an IPv4-mapped subnet as IPv4 (a.b.c.0/24)")
    bits = IPV4_SUBNET_BITS if network.version == 4 else IPV6_SUBNET_BITS
    if network.prefixlen != bits:
        raise HashInputError(f"loads group IPv{network.version} addresses by /{bits}; give a /{bits} or an address")
    return hasher.hash_one(KIND_SUBNET, str(network))


def keyed_key(kind: HashKind, value: str, hasher: KeyedHasher) -> str:
    """The key `value` of `kind` has in the graph, computed exactly as a load computes it."""
    if not value.strip():
        raise HashInputError("empty value")
    if kind is HashKind.ip:
        return str(hash_ips(pd.Series([_address(value)], dtype=object), hasher)["ipKey"].iloc[0])
    if kind is HashKind.subnet:
        return _subnet(value, hasher)
    if kind is HashKind.payment:
        if card_number_like(pd.Series([value], dtype=object))[0]:
            raise HashInputError("that holds a card number: loads refuse it and sockhound never hashes one")
        return str(hash_payment_fingerprints(pd.Series([value], dtype=object), hasher).iloc[0])
    key = hash_emails(pd.Series([value], dtype="string"), hasher)["emailKey"].iloc[0]
    if pd.isna(key):
        raise HashInputError("not an e-mail address (a load keeps no key for it)")
    return str(key)


def hash_command(
    kind: Annotated[HashKind, typer.Argument(help="What the value is.")],
    value: Annotated[str, typer.Argument(help="The raw value, or - to read one line from standard input.")],
) -> None:
    """Print the keyed key of a raw IP, subnet, payment fingerprint or e-mail (needs the hash key; local only)."""
    raw = sys.stdin.readline().rstrip("\r\n") if value == "-" else value
    try:
        hasher = KeyedHasher(get_settings().hash_key())
        typer.echo(keyed_key(kind, raw, hasher))
    except (HashInputError, HashKeyError) as error:
        typer.echo(f"sockhound hash {kind.value}: {error}", err=True)
        raise typer.Exit(2) from None

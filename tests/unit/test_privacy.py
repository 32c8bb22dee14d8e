"""Keyed hashing: no raw value out, stable keys, key-dependent keys, domain separation, coarse facts."""

from __future__ import annotations

import pandas as pd
import pytest

from sockhound.privacy import (
    KIND_EMAIL,
    KIND_IP,
    KeyedHasher,
    hash_emails,
    hash_ips,
    hash_payment_fingerprints,
    ip_facts,
    normalise_email,
)

KEY = b"test-key-for-privacy-0123456789abc"


def test_refuses_empty_key() -> None:
    with pytest.raises(ValueError):
        KeyedHasher(b"")
    assert "test-key" not in repr(KeyedHasher(KEY))


def test_same_input_same_key_other_secret_other_key() -> None:
    values = pd.Series(["a", "b", None, "a"], dtype="string")
    first = KeyedHasher(KEY).hash_series(KIND_IP, values)
    again = KeyedHasher(KEY).hash_series(KIND_IP, values)
    other = KeyedHasher(b"a-different-secret-0123456789").hash_series(KIND_IP, values)
    assert first.tolist() == again.tolist()
    assert first[0] == first[3] and first[0] != first[1]
    assert pd.isna(first[2])
    assert first[0] != other[0] and first[1] != other[1]
    assert len(first[0]) == 32


def test_domains_are_separated() -> None:
    hasher = KeyedHasher(KEY)
    assert hasher.hash_one(KIND_IP, "x@example.com") != hasher.hash_one(KIND_EMAIL, "x@example.com")


def test_ip_facts_subnets_and_mapped_addresses() -> None:
    assert ip_facts("203.0.113.77") == ("203.0.113.77", 4, "203.0.113.0/24")
    assert ip_facts("2001:db8:abcd:12::1") == ("2001:db8:abcd:12::1", 6, "2001:db8:abcd::/48")
    assert ip_facts("::ffff:203.0.113.9") == ("203.0.113.9", 4, "203.0.113.0/24")


def test_hash_ips_keeps_coarse_facts_only() -> None:
    ips = pd.Series(["203.0.113.77", "203.0.113.8", "198.51.100.1", "2001:db8:abcd:12::1", "203.0.113.77"])
    out = hash_ips(ips, KeyedHasher(KEY))
    assert out["version"].tolist() == [4, 4, 4, 6, 4]
    assert out["ipKey"][0] == out["ipKey"][4] and out["ipKey"][0] != out["ipKey"][1]
    assert out["subnetKey"][0] == out["subnetKey"][1] != out["subnetKey"][2]
    serialised = repr(out.to_dict("records"))
    for raw in ["203.0.113", "198.51.100", "2001:db8"]:
        assert raw not in serialised


def test_email_normalisation_folds_aliases() -> None:
    assert normalise_email(" John.Doe+promo@GoogleMail.com ") == ("johndoe@gmail.com", "gmail.com")
    assert normalise_email("j.o.h.n.doe@gmail.com") == ("johndoe@gmail.com", "gmail.com")
    assert normalise_email("john.doe+x@Example.org") == ("john.doe@example.org", "example.org")
    assert normalise_email("not-an-address") is None


def test_hash_emails_links_aliases_and_hides_addresses() -> None:
    emails = pd.Series(["John.Doe+a@gmail.com", "johndoe+b@googlemail.com", "jane@corp.example", None, "bad"])
    out = hash_emails(emails.astype("string"), KeyedHasher(KEY))
    assert out["emailKey"][0] == out["emailKey"][1] != out["emailKey"][2]
    assert list(out.columns) == ["emailKey"]  # the domain is not kept in clear
    assert out["emailKey"].isna().tolist() == [False, False, False, True, True]
    serialised = repr(out.to_dict("records"))
    assert "john" not in serialised.lower() and "jane" not in serialised
    assert "gmail" not in serialised and "corp.example" not in serialised


def test_payment_fingerprints_are_keyed() -> None:
    values = pd.Series(["fp_1AbC", "fp_1AbC ", "fp_1abc"])
    out = hash_payment_fingerprints(values, KeyedHasher(KEY))
    assert out[0] == out[1] != out[2]
    assert "fp_" not in "".join(out)


def test_hash_ips_fast_path_agrees_with_ip_facts() -> None:
    ips = pd.Series(["10.0.0.1", " 10.0.0.2", "255.255.255.255", "0.0.0.0", "::ffff:10.0.0.1", "2001:db8::1"])
    hasher = KeyedHasher(KEY)
    out = hash_ips(ips, hasher)
    for ip, row in zip(ips, out.to_dict("records"), strict=True):
        canonical, version, subnet = ip_facts(ip)
        assert row["ipKey"] == hasher.hash_one(KIND_IP, canonical)
        assert row["version"] == version
        assert row["subnetKey"] == hasher.hash_one("subnet", subnet)
    assert out["ipKey"][0] == out["ipKey"][4]

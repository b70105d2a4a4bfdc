"""The signed credential: Open Badges 3.0 shape (against 1EdTech's schema, shipped in
schema/) and its eddsa-jcs-2022 proof (against the W3C test vector, and every tamper)."""

import copy
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import base58
import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from certificates.credential import (
    OB_CONTEXT,
    VC_CONTEXT,
    achievement_credential,
    generate_private_key,
    issuer_profile,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_multibase,
    public_key_multibase,
    sign,
    verify,
)

SCHEMA_PATH = Path(__file__).parent / "schema" / "ob_v3p0_achievementcredential_schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())

ISSUER_ID = "https://edusphere.example/certificates/issuer"
KEY_ID = ISSUER_ID + "#key-1"
VALID_FROM = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
CREATED = datetime(2025, 3, 14, 9, 27, 0, tzinfo=UTC)
XSD_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _offline(uri):
    # The schema is self-contained; reaching for anything else is a failure, not a download.
    raise NoSuchResource(ref=uri)


def _date_time(value):
    # RFC 3339 date-time, as JSON Schema's "date-time" means; jsonschema checks it only with
    # an optional package we do not install, so the check is spelled out here.
    if not isinstance(value, str):
        return True
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value
    ):
        return False
    datetime.fromisoformat(value.upper())  # raises on out-of-range parts
    return True


def _date(value):
    if not isinstance(value, str):
        return True
    datetime.strptime(value, "%Y-%m-%d")
    return True


FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(_date_time)
FORMATS.checks("date", raises=ValueError)(_date)
REGISTRY = Registry(retrieve=_offline).with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))


def ob_validator(subschema=None):
    cls = validator_for(SCHEMA)
    schema = SCHEMA if subschema is None else {"$ref": SCHEMA["$id"] + subschema}
    return cls(schema, registry=REGISTRY, format_checker=FORMATS)


@pytest.fixture
def private_key():
    return generate_private_key()


@pytest.fixture
def profile(private_key):
    return issuer_profile(
        issuer_id=ISSUER_ID,
        name="Edu Sphere",
        url="https://edusphere.example/",
        key_id=KEY_ID,
        public_key_multibase=public_key_multibase(private_key.public_key()),
    )


@pytest.fixture
def unsigned(profile):
    return achievement_credential(
        credential_id="https://edusphere.example/certificates/Xq3v9/credential.json",
        issuer=profile,
        subject_name="Grace Hopper",
        achievement_id="https://edusphere.example/courses/analytical-engines/",
        achievement_name="Analytical Engines",
        achievement_description="Completed every lecture of the course Analytical Engines.",
        criteria_narrative="Complete every published lecture and pass every quiz.",
        valid_from=VALID_FROM,
        image_url="https://edusphere.example/static/img/certificate-badge.png",
    )


@pytest.fixture
def signed(unsigned, private_key):
    return sign(unsigned, private_key=private_key, verification_method=KEY_ID, created=CREATED)


# The schema ------------------------------------------------------------------------------


def test_shipped_schema_is_the_draft_2019_09_ob3_schema():
    assert validator_for(SCHEMA) is Draft201909Validator
    Draft201909Validator.check_schema(SCHEMA)
    assert SCHEMA["title"] == "JSON Schema for the AchievementCredential class."


def test_unsigned_credential_is_valid_ob3(unsigned):
    ob_validator().validate(unsigned)


def test_credential_without_image_is_valid_ob3(profile):
    credential = achievement_credential(
        credential_id="urn:uuid:6f1a3c2e-4b0d-4c55-9d8e-0a7b5e3f2c11",
        issuer=profile,
        subject_name="Ada",
        achievement_id="https://edusphere.example/courses/a/",
        achievement_name="A",
        achievement_description="B",
        criteria_narrative="C",
        valid_from=VALID_FROM,
    )
    ob_validator().validate(credential)
    assert "image" not in credential["credentialSubject"]["achievement"]


def test_signed_credential_is_valid_ob3(signed):
    ob_validator().validate(signed)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c["credentialSubject"].pop("achievement"),
        lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
        lambda c: c.__setitem__("@context", [OB_CONTEXT, VC_CONTEXT]),
        lambda c: c.__setitem__("type", ["VerifiableCredential"]),
        lambda c: c.__setitem__("validFrom", "14 March 2025"),
        lambda c: c["issuer"].__setitem__("type", "Profile"),
    ],
    ids=["no-achievement", "no-criteria", "contexts-swapped", "not-ob", "bad-date", "type-str"],
)
def test_the_schema_check_is_not_vacuous(unsigned, break_it):
    broken = copy.deepcopy(unsigned)
    break_it(broken)
    with pytest.raises(ValidationError):
        ob_validator().validate(broken)


def test_credential_says_what_the_certificate_says(unsigned, profile):
    assert unsigned["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert unsigned["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert unsigned["validFrom"] == "2025-03-14T09:26:53Z"
    assert unsigned["issuer"] == {
        "id": ISSUER_ID,
        "type": ["Profile"],
        "name": "Edu Sphere",
        "url": "https://edusphere.example/",
    }
    assert unsigned["issuer"]["id"] == profile["id"]
    assert unsigned["issuer"]["name"] == profile["name"]
    subject = unsigned["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Grace Hopper",
        }
    ]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == "https://edusphere.example/courses/analytical-engines/"
    assert achievement["name"] == "Analytical Engines"
    assert achievement["description"].startswith("Completed every lecture")
    assert achievement["criteria"] == {
        "narrative": "Complete every published lecture and pass every quiz."
    }
    assert achievement["image"] == {
        "id": "https://edusphere.example/static/img/certificate-badge.png",
        "type": "Image",
    }
    assert "proof" not in unsigned


def test_dates_are_utc_with_a_z(profile):
    two_hours_east = timezone(timedelta(hours=2))
    credential = achievement_credential(
        credential_id="urn:uuid:1",
        issuer=profile,
        subject_name="Ada",
        achievement_id="urn:uuid:2",
        achievement_name="A",
        achievement_description="B",
        criteria_narrative="C",
        valid_from=datetime(2025, 3, 14, 11, 26, 53, tzinfo=two_hours_east),
    )
    assert credential["validFrom"] == "2025-03-14T09:26:53Z"


def test_naive_dates_are_refused(profile, unsigned, private_key):
    with pytest.raises(ValueError):
        achievement_credential(
            credential_id="urn:uuid:1",
            issuer=profile,
            subject_name="Ada",
            achievement_id="urn:uuid:2",
            achievement_name="A",
            achievement_description="B",
            criteria_narrative="C",
            valid_from=datetime(2025, 3, 14, 9, 26, 53),
        )
    with pytest.raises(ValueError):
        sign(
            unsigned,
            private_key=private_key,
            verification_method=KEY_ID,
            created=datetime(2025, 3, 14),
        )


def test_issuer_profile_publishes_the_key(profile, private_key):
    ob_validator("#/$defs/Profile").validate(profile)
    assert profile["id"] == ISSUER_ID
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Edu Sphere"
    assert profile["url"] == "https://edusphere.example/"
    assert profile["verificationMethod"] == [
        {
            "id": KEY_ID,
            "type": "Multikey",
            "controller": ISSUER_ID,
            "publicKeyMultibase": public_key_multibase(private_key.public_key()),
        }
    ]
    assert profile["assertionMethod"] == [KEY_ID]


def test_issuer_profile_refuses_a_malformed_key():
    with pytest.raises(ValueError):
        issuer_profile(
            issuer_id=ISSUER_ID,
            name="Edu Sphere",
            url="https://edusphere.example/",
            key_id=KEY_ID,
            public_key_multibase="z6MkNotAKey",
        )


# Signing and verifying -------------------------------------------------------------------


def test_signed_credential_verifies_with_the_published_key(signed, profile):
    published = profile["verificationMethod"][0]["publicKeyMultibase"]
    assert verify(signed, public_key=public_key_from_multibase(published)) is True


def test_proof_is_an_eddsa_jcs_2022_data_integrity_proof(signed, unsigned):
    (proof,) = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["created"] == "2025-03-14T09:27:00Z"
    assert XSD_Z.match(proof["created"])
    assert proof["verificationMethod"] == KEY_ID
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["@context"] == unsigned["@context"]
    assert proof["proofValue"].startswith("z")
    assert len(base58.b58decode(proof["proofValue"][1:])) == 64
    # Everything but the proof is the unsigned credential, untouched.
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned


def test_sign_leaves_its_input_alone(unsigned, private_key):
    before = copy.deepcopy(unsigned)
    sign(unsigned, private_key=private_key, verification_method=KEY_ID, created=CREATED)
    assert unsigned == before


def test_sign_refuses_a_signed_document(signed, private_key):
    with pytest.raises(ValueError):
        sign(signed, private_key=private_key, verification_method=KEY_ID, created=CREATED)


def _set(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _flip_last_char(document):
    proof = document["proof"][0]
    value = proof["proofValue"]
    proof["proofValue"] = value[:-1] + ("2" if value[-1] != "2" else "3")


TAMPERS = {
    "subject-name": _set(["credentialSubject", "identifier", 0, "identityHash"], "Mallory"),
    "achievement-name": _set(["credentialSubject", "achievement", "name"], "Brain Surgery"),
    "valid-from": _set(["validFrom"], "2020-03-14T09:26:53Z"),
    "issuer-name": _set(["issuer", "name"], "Diploma Mill"),
    "extra-claim": _set(["credentialSubject", "creditsEarned"], 30),
    "proof-created": _set(["proof", 0, "created"], "2025-03-14T09:27:01Z"),
    "proof-created-garbled": _set(["proof", 0, "created"], "yesterday"),
    "proof-verification-method": _set(["proof", 0, "verificationMethod"], ISSUER_ID + "#key-2"),
    "proof-value-one-char": _flip_last_char,
    "proof-value-not-multibase": _set(["proof", 0, "proofValue"], "uABCD"),
    "proof-value-not-base58": _set(["proof", 0, "proofValue"], "z0OIl"),
    "proof-value-short": _set(["proof", 0, "proofValue"], "z3mJ"),
    "proof-value-missing": lambda d: d["proof"][0].pop("proofValue"),
    "proof-value-not-str": _set(["proof", 0, "proofValue"], 12),
    "cryptosuite": _set(["proof", 0, "cryptosuite"], "eddsa-rdfc-2022"),
    "cryptosuite-missing": lambda d: d["proof"][0].pop("cryptosuite"),
    "proof-type": _set(["proof", 0, "type"], "Ed25519Signature2020"),
    "proof-purpose": _set(["proof", 0, "proofPurpose"], "authentication"),
    "proof-context": _set(["proof", 0, "@context"], [VC_CONTEXT]),
    "document-context-changed": _set(["@context"], [VC_CONTEXT, "https://evil.example/ctx"]),
    "document-context-prepended": lambda d: d["@context"].insert(0, "https://evil.example/"),
    "proof-removed": lambda d: d.pop("proof"),
    "proof-empty-list": _set(["proof"], []),
    "proof-set-of-two": lambda d: d["proof"].append(copy.deepcopy(d["proof"][0])),
    "proof-not-an-object": _set(["proof"], ["z3mJ"]),
    "not-json": _set(["name"], {"a", "set"}),
}


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_any_tamper_fails_verification(signed, private_key, tamper):
    tampered = copy.deepcopy(signed)
    tamper(tampered)
    assert verify(tampered, public_key=private_key.public_key()) is False


def _sign_by_hand(document, proof_options, private_key):
    # vc-di-eddsa's eddsa-jcs-2022 hashing written out again, to make proofs whose signature
    # is right but whose options break the suite's rules.
    hash_data = (
        hashlib.sha256(rfc8785.dumps(proof_options)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )
    proof_value = "z" + base58.b58encode(private_key.sign(hash_data)).decode()
    return {**document, "proof": [{**proof_options, "proofValue": proof_value}]}


GOOD_OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2025-03-14T09:27:00Z",
    "verificationMethod": KEY_ID,
    "proofPurpose": "assertionMethod",
}
BROKEN_OPTIONS = {
    "cryptosuite": {**GOOD_OPTIONS, "cryptosuite": "eddsa-rdfc-2022"},
    "type": {**GOOD_OPTIONS, "type": "Ed25519Signature2020"},
    "purpose": {**GOOD_OPTIONS, "proofPurpose": "authentication"},
    "created": {**GOOD_OPTIONS, "created": "2025-13-14T09:27:00Z"},
    "created-naive": {**GOOD_OPTIONS, "created": "2025-03-14T09:27:00"},
    "no-verification-method": {k: v for k, v in GOOD_OPTIONS.items() if k != "verificationMethod"},
}


def test_hand_made_proof_with_good_options_verifies(unsigned, private_key):
    document = _sign_by_hand(unsigned, GOOD_OPTIONS, private_key)
    assert verify(document, public_key=private_key.public_key()) is True


@pytest.mark.parametrize("options", BROKEN_OPTIONS.values(), ids=BROKEN_OPTIONS.keys())
def test_a_well_signed_proof_outside_the_suite_is_refused(unsigned, private_key, options):
    document = _sign_by_hand(unsigned, options, private_key)
    assert verify(document, public_key=private_key.public_key()) is False


def test_contexts_appended_after_signing_are_allowed(signed, private_key):
    # vc-di-eddsa checks that the document's contexts *start with* the signed ones (so a
    # later proof can add its own); what the proof signed is still what is checked.
    extended = copy.deepcopy(signed)
    extended["@context"].append("https://w3id.org/security/data-integrity/v2")
    assert verify(extended, public_key=private_key.public_key()) is True


def test_another_key_fails_verification(signed):
    assert verify(signed, public_key=generate_private_key().public_key()) is False


@pytest.mark.parametrize("key", [None, "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", 42])
def test_verify_never_raises_on_a_bad_key(signed, key):
    assert verify(signed, public_key=key) is False


@pytest.mark.parametrize("document", [None, [], "{}", {"proof": {"proofValue": None}}])
def test_verify_never_raises_on_a_bad_document(document, private_key):
    assert verify(document, public_key=private_key.public_key()) is False


def test_document_re_serialised_in_another_key_order_still_verifies(signed, private_key):
    # JCS: the signature covers the data, not the bytes it happened to be written in.
    reordered = json.loads(json.dumps(signed, sort_keys=True, indent=4))
    reordered = dict(reversed(list(reordered.items())))
    assert verify(reordered, public_key=private_key.public_key()) is True


# Keys ------------------------------------------------------------------------------------


def test_private_key_pem_round_trip(unsigned, private_key):
    pem = private_key_to_pem(private_key)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    reloaded = private_key_from_pem(pem)
    signed = sign(unsigned, private_key=reloaded, verification_method=KEY_ID, created=CREATED)
    assert verify(signed, public_key=private_key.public_key()) is True


def test_private_key_from_pem_refuses_what_it_cannot_use(private_key):
    other_curve = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    encrypted = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    for pem in ["", "not a key", other_curve.decode(), encrypted.decode(), "é"]:
        with pytest.raises(ValueError):
            private_key_from_pem(pem)


def test_multibase_round_trip(private_key):
    public_key = private_key.public_key()
    text = public_key_multibase(public_key)
    assert text.startswith("z6Mk")
    decoded = public_key_from_multibase(text)
    assert isinstance(decoded, Ed25519PublicKey)
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert decoded.public_bytes(*raw) == public_key.public_bytes(*raw)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "z",
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "Z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # wrong prefix
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2 ",  # trailing space
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0",  # "0" is not base58
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  # a character short
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ22",  # a character long
        "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",  # a secret key (0x8026)
        "z" + base58.b58encode(b"\xed\x01" + bytes(31)).decode(),  # 31 bytes
        "z" + base58.b58encode(b"\xe7\x01" + bytes(33)).decode(),  # secp256k1 header
        None,
        b"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    ],
)
def test_malformed_multibase_is_refused(text):
    with pytest.raises(ValueError):
        public_key_from_multibase(text)


# Known answer: vc-di-eddsa's eddsa-jcs-2022 test vector ------------------------------------
# From the W3C spec's TestVectors (w3c/vc-di-eddsa: keyPair.json, eddsa-jcs-2022/signedJCS.json,
# the "Representation: eddsa-jcs-2022" example). Ed25519 is deterministic, so the same key,
# document and proof options must give this exact proofValue.

W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # 0x8026 + 32-byte seed
W3C_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]
W3C_UNSIGNED = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": f"did:key:{W3C_PUBLIC_KEY}#{W3C_PUBLIC_KEY}",
    "proofPurpose": "assertionMethod",
    "@context": W3C_CONTEXT,
    "proofValue": (
        "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX"
    ),
}


def _w3c_private_key():
    raw = base58.b58decode(W3C_SECRET_KEY[1:])
    assert raw[:2] == b"\x80\x26"
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def test_w3c_key_pair_gives_the_w3c_multikey():
    assert public_key_multibase(_w3c_private_key().public_key()) == W3C_PUBLIC_KEY


def test_sign_reproduces_the_w3c_eddsa_jcs_2022_vector():
    signed = sign(
        W3C_UNSIGNED,
        private_key=_w3c_private_key(),
        verification_method=W3C_PROOF["verificationMethod"],
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
    )
    assert signed["proof"] == [W3C_PROOF]


def test_verify_accepts_the_w3c_signed_vector():
    # The W3C vector carries one proof as an object rather than a one-item list.
    signed = {**W3C_UNSIGNED, "proof": W3C_PROOF}
    public_key = public_key_from_multibase(W3C_PUBLIC_KEY)
    assert verify(signed, public_key=public_key) is True
    assert verify({**signed, "name": "Alumnus Credential"}, public_key=public_key) is False

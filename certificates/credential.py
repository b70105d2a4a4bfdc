"""The signed, portable form of a certificate: an Open Badges 3.0 credential.

An Open Badges 3.0 ``OpenBadgeCredential`` is a W3C Verifiable Credential 2.0. It is secured
here with an embedded ``DataIntegrityProof`` using the ``eddsa-jcs-2022`` cryptosuite of the
W3C Recommendation "Data Integrity EdDSA Cryptosuites v1.0" (vc-di-eddsa), signed with the
site's Ed25519 key. The issuer's public key is published as a Multikey in the issuer's
Profile document (``issuer_profile``), so anyone can check a credential without us.

Why JCS (RFC 8785) and not ``eddsa-rdfc-2022``: RDF canonicalisation needs a JSON-LD
processor and every ``@context`` document fetched (or pinned offline) at signing and
verifying time; JCS canonicalises the JSON itself, so signing and verifying are pure,
offline and deterministic, and any verifier implementing the same W3C suite agrees.

Pure: no models, no settings, no network. The caller supplies ids, names, dates and keys.
"""

import copy
import hashlib
import re
from datetime import UTC, datetime

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
# The newest OB 3.0 context the spec publishes; the schema accepts any context-3.x.y.json.
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# W3C Controlled Identifiers 1.0: defines verificationMethod, assertionMethod and Multikey,
# which the issuer's Profile uses to publish its key.
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"
OB_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"

_MULTIBASE_BASE58BTC = "z"
_ED25519_PUB_HEADER = b"\xed\x01"  # multicodec ed25519-pub, as a varint
_B58_ALPHABET = base58.BITCOIN_ALPHABET.decode()
# XML Schema dateTimeStamp (a dateTime with its time zone), as Data Integrity requires.
_XSD_DATETIME_STAMP = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


# Keys ------------------------------------------------------------------------------------


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def private_key_from_pem(pem: str) -> Ed25519PrivateKey:
    """The Ed25519 key in an unencrypted PKCS#8 PEM; ValueError for anything else."""
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (TypeError, ValueError, UnicodeEncodeError, AttributeError) as exc:
        raise ValueError("not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """The Multikey form of the key: base58btc of 0xed01 + the 32 raw bytes ("z6Mk...")."""
    raw = public_key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    return _MULTIBASE_BASE58BTC + base58.b58encode(_ED25519_PUB_HEADER + raw).decode("ascii")


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The key of a Multikey ``publicKeyMultibase``; ValueError on anything malformed."""
    raw = _decode_base58btc(text)
    if len(raw) != 34 or raw[:2] != _ED25519_PUB_HEADER:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _decode_base58btc(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith(_MULTIBASE_BASE58BTC):
        raise ValueError("not a base58btc multibase string")
    body = text[1:]
    # base58 itself strips trailing whitespace; a signed value must match to the character.
    if not body or any(char not in _B58_ALPHABET for char in body):
        raise ValueError("not a base58btc multibase string")
    return base58.b58decode(body)


# Documents -------------------------------------------------------------------------------


def xsd_datetime(value: datetime) -> str:
    """``2024-05-01T12:30:00Z``: an aware datetime in UTC, to the second."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a credential date must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile(
    *, issuer_id: str, name: str, url: str, key_id: str, public_key_multibase: str
) -> dict:
    """The issuer's Profile document, as the site publishes it at ``issuer_id``.

    Its ``verificationMethod`` is where a verifier finds the key a proof names (the proof's
    ``verificationMethod`` is ``key_id``); listing it under ``assertionMethod`` too says the
    issuer uses it to sign credentials, the purpose every proof here states.
    """
    public_key_from_multibase(public_key_multibase)  # never publish a malformed key
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, CID_CONTEXT],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": url,
        "verificationMethod": [
            {
                "id": key_id,
                "type": "Multikey",
                "controller": issuer_id,
                "publicKeyMultibase": public_key_multibase,
            }
        ],
        "assertionMethod": [key_id],
    }


def achievement_credential(
    *,
    credential_id: str,
    issuer: dict,
    subject_name: str,
    achievement_id: str,
    achievement_name: str,
    achievement_description: str,
    criteria_narrative: str,
    valid_from: datetime,
    image_url: str | None = None,
) -> dict:
    """An unsigned OpenBadgeCredential saying ``subject_name`` completed the achievement.

    ``issuer`` is the issuer's Profile (``issuer_profile``'s result will do); the credential
    embeds its id and name (and url). The learner has no DID or other identifier a verifier
    could authenticate, so the name goes in an ``identifier`` (an IdentityObject of type
    ``name``, unhashed so that it can be read), as OB 3.0 allows instead of an ``id``.
    """
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": achievement_name,
        "description": achievement_description,
        "criteria": {"narrative": criteria_narrative},
    }
    if image_url:
        achievement["image"] = {"id": image_url, "type": "Image"}
    embedded_issuer = {"id": issuer["id"], "type": ["Profile"], "name": issuer["name"]}
    if issuer.get("url"):
        embedded_issuer["url"] = issuer["url"]
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_name,
        "issuer": embedded_issuer,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": subject_name,
                }
            ],
            "achievement": achievement,
        },
        "credentialSchema": [{"id": OB_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }


# eddsa-jcs-2022 --------------------------------------------------------------------------


def sign(
    document: dict,
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict:
    """A copy of ``document`` secured with one eddsa-jcs-2022 DataIntegrityProof.

    ``proof`` is a list of that one proof: the OB 3.0 schema types ``proof`` as an array, and
    Data Integrity treats a one-item proof set exactly like a single proof.
    """
    if "proof" in document:
        raise ValueError("the document is already signed")
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    # Create Proof, step 2: the proof carries the document's context, so that a verifier
    # can tell if contexts were changed (vc-di-eddsa strongly advises it).
    if "@context" in document:
        proof["@context"] = copy.deepcopy(document["@context"])
    signature = private_key.sign(_hash_data(document, proof))
    proof["proofValue"] = _MULTIBASE_BASE58BTC + base58.b58encode(signature).decode("ascii")
    signed = copy.deepcopy(document)
    signed["proof"] = [proof]
    return signed


def verify(document: dict, *, public_key: Ed25519PublicKey) -> bool:
    """Whether ``document`` carries one valid eddsa-jcs-2022 proof made with ``public_key``.

    False, never an exception, for anything else: no proof or several, another suite or
    purpose, a garbled proof value, a changed document, proof or key.
    """
    try:
        return _verify(document, public_key)
    except Exception:  # untrusted input: any failure means "not verified"
        return False


def _verify(document: dict, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(document, dict) or not isinstance(public_key, Ed25519PublicKey):
        return False
    proof = document.get("proof")
    if isinstance(proof, list):
        # One key, one proof: a set of several is not something this site issues.
        if len(proof) != 1:
            return False
        proof = proof[0]
    if not isinstance(proof, dict):
        return False
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return False
    if not isinstance(proof.get("verificationMethod"), str):
        return False
    proof_value = proof.get("proofValue")
    signature = _decode_base58btc(proof_value)
    if len(signature) != 64:
        return False
    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if "@context" in proof_options:
        # Verify Proof, step 4: the document's contexts start with the signed ones, in order.
        signed_contexts = _as_list(proof_options["@context"])
        if _as_list(unsecured.get("@context"))[: len(signed_contexts)] != signed_contexts:
            return False
        unsecured["@context"] = proof_options["@context"]
    try:
        public_key.verify(signature, _hash_data(unsecured, proof_options))
    except InvalidSignature:
        return False
    return True


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _hash_data(unsecured_document: dict, proof_options: dict) -> bytes:
    """vc-di-eddsa's Transformation, Proof Configuration and Hashing for eddsa-jcs-2022."""
    if proof_options.get("type") != PROOF_TYPE or proof_options.get("cryptosuite") != CRYPTOSUITE:
        raise ValueError("not an eddsa-jcs-2022 DataIntegrityProof")
    created = proof_options.get("created")
    if created is not None and not _is_datetime_stamp(created):
        raise ValueError("proof.created is not an XML Schema dateTime")
    canonical_proof_config = rfc8785.dumps(proof_options)
    canonical_document = rfc8785.dumps(unsecured_document)
    return (
        hashlib.sha256(canonical_proof_config).digest()
        + hashlib.sha256(canonical_document).digest()
    )


def _is_datetime_stamp(value) -> bool:
    if not isinstance(value, str) or not _XSD_DATETIME_STAMP.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:  # e.g. month 13; also years beyond 9999, which we never write
        return False
    return True

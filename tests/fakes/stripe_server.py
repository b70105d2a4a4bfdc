"""A local, stateful fake of the slice of Stripe's HTTP API our payments code uses.

Tests point the real ``stripe`` SDK at it over real HTTP::

    with FakeStripe() as fake:
        client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url})
        session = client.v1.checkout.sessions.create(params={...})
        fake.complete_session(session.id)

The server runs on 127.0.0.1 in a daemon thread; everything else (payment, expiry,
outages, webhook events) is driven from the test through Python methods.
"""

import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit

import stripe

_ALNUM = string.ascii_letters + string.digits


def _new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def parse_form(pairs) -> dict:
    """Turn ``a[b][0][c]=v`` pairs (Stripe's bracket encoding) into nested dicts/lists."""
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        tokens = [head] + (rest[:-1].split("][") if rest else [])
        node = root
        for token in tokens[:-1]:
            node = node.setdefault(token or str(len(node)), {})
        last = tokens[-1]
        node[last or str(len(node))] = value
    return _listify(root)


def _listify(node):
    # Indexed keys become dicts first; only once all siblings are known can we tell a list.
    if not isinstance(node, dict):
        return node
    items = {k: _listify(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}


def _missing(kind: str, id_: str, param: str, status: int = 404) -> StripeError:
    return StripeError(
        status,
        "invalid_request_error",
        f"No such {kind}: '{id_}'",
        code="resource_missing",
        param=param,
    )


def _invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    extra = {k: v for k, v in (("param", param), ("code", code)) if v}
    return StripeError(400, "invalid_request_error", message, **extra)


def _int(params: dict, name: str, where: str = "") -> int:
    raw = params.get(name)
    if raw is None:
        raise _invalid(f"Missing required param: {where}{name}.", where + name, "parameter_missing")
    try:
        return int(raw)
    except ValueError:
        raise _invalid(f"Invalid integer: {raw}", where + name) from None


_FAILURES = {
    402: ("card_error", "Your card was declined.", {"code": "card_declined"}),
    429: ("invalid_request_error", "Too many requests.", {"code": "rate_limit"}),
}


def _injected_error(status: int) -> StripeError:
    type_, message, extra = _FAILURES.get(
        status, ("api_error", "An unknown error occurred (fake Stripe outage).", {})
    )
    if status == 402:
        extra = {**extra, "decline_code": "generic_decline"}
    return StripeError(status, type_, message, **extra)


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict
    headers: dict
    status: int | None = None
    idempotency_key: str | None = field(init=False)

    def __post_init__(self):
        self.idempotency_key = self.headers.get("Idempotency-Key")


class FakeStripe:
    def __init__(self, api_key: str = "sk_test_fake"):
        self.api_key = api_key
        # One re-entrant lock serialises HTTP handling and test controls.
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self._server:
            raise RuntimeError("FakeStripe is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.sessions: dict[str, dict] = {}
            self.payment_intents: dict[str, dict] = {}
            self.charges: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            # Price ids tests may register so line_items[][price] resolves:
            # {id: {unit_amount, currency}}
            self.prices: dict[str, dict] = {}
            self.requests: list[RecordedRequest] = []
            self.down = False
            self._line_items: dict[str, list] = {}
            # payment_intent_data[metadata] of each session: Stripe puts it on the intent.
            self._intent_metadata: dict[str, dict] = {}
            self._idempotency: dict[str, tuple] = {}
            self._failures: list[int] = []

    # -- test controls ---------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Make the next ``n`` API requests fail (500 api_error, 402 card_error, 429 rate limit)."""
        with self.lock:
            self._failures.extend([status] * n)

    def complete_session(
        self, session_id: str, *, payment_status: str = "paid", async_pending: bool = False
    ) -> dict:
        """Act as the customer paying on the hosted page."""
        with self.lock:
            session = self._get_session(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}, not open")
            if async_pending:
                payment_status = "unpaid"
            now = int(time.time())
            if payment_status != "no_payment_required":
                pi_id, ch_id = _new_id("pi_"), _new_id("ch_")
                amount, currency = session["amount_total"], session["currency"]
                paid = not async_pending and payment_status == "paid"
                self.charges[ch_id] = {
                    "id": ch_id,
                    "object": "charge",
                    "amount": amount,
                    "amount_captured": amount if paid else 0,
                    "amount_refunded": 0,
                    "captured": paid,
                    "created": now,
                    "currency": currency,
                    "livemode": False,
                    "metadata": {},
                    "paid": paid,
                    "payment_intent": pi_id,
                    "refunded": False,
                    "status": "succeeded" if paid else "pending",
                }
                self.payment_intents[pi_id] = {
                    "id": pi_id,
                    "object": "payment_intent",
                    "amount": amount,
                    "amount_received": amount if paid else 0,
                    "created": now,
                    "currency": currency,
                    "latest_charge": ch_id,
                    "livemode": False,
                    "metadata": dict(self._intent_metadata.get(session_id, {})),
                    "status": "succeeded" if paid else "processing",
                }
                session["payment_intent"] = pi_id
            session["status"] = "complete"
            session["payment_status"] = payment_status
            session["customer_details"] = {
                "address": None,
                "email": session["customer_email"] or "customer@example.com",
                "name": "Test Customer",
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            return json.loads(json.dumps(session))

    def resolve_async_payment(self, session_id: str, *, succeeded: bool = True) -> dict:
        """Settle a session completed with ``async_pending=True`` (e.g. a bank debit)."""
        with self.lock:
            session = self._get_session(session_id)
            pi = self.payment_intents.get(session["payment_intent"] or "")
            if session["status"] != "complete" or not pi or pi["status"] != "processing":
                raise ValueError(f"session {session_id} has no pending async payment")
            charge = self.charges[pi["latest_charge"]]
            if succeeded:
                session["payment_status"] = "paid"
                pi.update(status="succeeded", amount_received=pi["amount"])
                charge.update(status="succeeded", paid=True, captured=True)
                charge["amount_captured"] = charge["amount"]
            else:
                pi["status"] = "requires_payment_method"
                charge["status"] = "failed"
            return json.loads(json.dumps(session))

    def expire_session(self, session_id: str) -> dict:
        with self.lock:
            session = self._get_session(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}, not open")
            session["status"] = "expired"
            return json.loads(json.dumps(session))

    # -- webhook events (each moves the fake to the state it announces) --------------------

    def session_completed_event(self, session_id: str) -> dict:
        with self.lock:
            if self._get_session(session_id)["status"] == "open":
                self.complete_session(session_id)
            return build_event("checkout.session.completed", self.sessions[session_id])

    def async_payment_succeeded_event(self, session_id: str) -> dict:
        with self.lock:
            session = self.resolve_async_payment(session_id, succeeded=True)
            return build_event("checkout.session.async_payment_succeeded", session)

    def async_payment_failed_event(self, session_id: str) -> dict:
        with self.lock:
            session = self.resolve_async_payment(session_id, succeeded=False)
            return build_event("checkout.session.async_payment_failed", session)

    def session_expired_event(self, session_id: str) -> dict:
        with self.lock:
            if self._get_session(session_id)["status"] == "open":
                self.expire_session(session_id)
            return build_event("checkout.session.expired", self.sessions[session_id])

    def charge_refunded_event(self, charge_id: str, *, amount: int | None = None) -> dict:
        """Refund from "the Dashboard" when ``amount`` is given or nothing was refunded yet."""
        with self.lock:
            charge = self.charges.get(charge_id)
            if charge is None:
                raise KeyError(charge_id)
            if amount is not None or not charge["amount_refunded"]:
                self._refund(charge, {} if amount is None else {"amount": str(amount)})
            return build_event("charge.refunded", charge)

    # -- API implementation (called with the lock held) ------------------------------------

    def _get_session(self, session_id: str) -> dict:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise _missing("checkout.session", session_id, "session") from None

    def _create_session(self, params: dict) -> dict:
        mode = params.get("mode")
        if mode not in ("payment", "subscription", "setup"):
            raise _invalid("Missing required param: mode.", "mode", "parameter_missing")
        items = params.get("line_items") or []
        if mode == "payment" and not items:
            raise _invalid("Missing required param: line_items.", "line_items", "parameter_missing")
        if not isinstance(items, list):
            raise _invalid("Invalid array", "line_items")
        lines, currencies = [], set()
        for i, item in enumerate(items):
            where = f"line_items[{i}]"
            if "price" in item:
                price = self.prices.get(item["price"])
                if price is None:
                    raise _missing("price", item["price"], f"{where}[price]", status=400)
                unit, currency = int(price["unit_amount"]), price["currency"]
            elif "price_data" in item:
                unit = _int(item["price_data"], "unit_amount", f"{where}[price_data]")
                currency = item["price_data"].get("currency", "")
                if not currency:
                    raise _invalid(
                        f"Missing required param: {where}[price_data][currency].",
                        f"{where}[price_data][currency]",
                        "parameter_missing",
                    )
            else:
                raise _invalid(f"{where}: specify price or price_data.", where)
            quantity = _int(item, "quantity", where)
            currencies.add(currency.lower())
            product = item.get("price_data", {}).get("product_data", {}).get("name", "")
            lines.append(
                {
                    "id": _new_id("li_"),
                    "object": "item",
                    "amount_subtotal": unit * quantity,
                    "amount_total": unit * quantity,
                    "currency": currency.lower(),
                    "description": product,
                    "quantity": quantity,
                    "price": {"object": "price", "unit_amount": unit, "currency": currency.lower()},
                }
            )
        if len(currencies) > 1:
            raise _invalid("All line items must use the same currency.", "line_items")
        now = int(time.time())
        sid = _new_id("cs_test_", 58)
        self._intent_metadata[sid] = (params.get("payment_intent_data") or {}).get("metadata") or {}
        total = sum(line["amount_total"] for line in lines)
        session = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currencies.pop() if currencies else None,
            "customer": params.get("customer"),
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": int(params.get("expires_at") or now + 24 * 3600),
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            # Stripe keeps the {CHECKOUT_SESSION_ID} template as sent; it substitutes on redirect.
            "success_url": params.get("success_url"),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.url}/pay/{sid}",
        }
        self.sessions[sid] = session
        self._line_items[sid] = lines
        return session

    def _expand_session(self, session: dict, expand: list) -> dict:
        session = dict(session)
        if "payment_intent" in expand and session["payment_intent"]:
            session["payment_intent"] = self.payment_intents[session["payment_intent"]]
        if "line_items" in expand:
            session["line_items"] = {
                "object": "list",
                "data": self._line_items[session["id"]],
                "has_more": False,
                "url": f"/v1/checkout/sessions/{session['id']}/line_items",
            }
        return session

    def _refund(self, charge: dict, params: dict) -> dict:
        if charge["status"] != "succeeded":
            raise _invalid(
                f"Charge {charge['id']} has not succeeded.", code="charge_not_refundable"
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise _invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = _int(params, "amount") if "amount" in params else remaining
        if not 0 < amount <= remaining:
            raise _invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                "amount",
                "amount_too_large",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        refund = {
            "id": _new_id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": params.get("metadata") or {},
            "payment_intent": charge["payment_intent"],
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return refund

    def _create_refund(self, params: dict) -> dict:
        if params.get("charge"):
            charge = self.charges.get(params["charge"])
            if charge is None:
                # Stripe answers 400 (not 404) when an id inside the params is unknown.
                raise _missing("charge", params["charge"], "charge", status=400)
        elif params.get("payment_intent"):
            pi = self.payment_intents.get(params["payment_intent"])
            if pi is None:
                raise _missing("payment_intent", params["payment_intent"], "payment_intent", 400)
            charge = self.charges[pi["latest_charge"]]
        else:
            raise _invalid(
                "One of the following params should be provided: charge, payment_intent."
            )
        return self._refund(charge, params)

    def _lookup(self, table: dict, kind: str, id_: str) -> dict:
        if id_ not in table:
            raise _missing(kind, id_, "id")
        return table[id_]

    def _route(self, method: str, path: str, params: dict) -> dict:
        expand = params.get("expand") or []
        if m := re.fullmatch(r"/v1/checkout/sessions(?:/([^/]+)(/expire)?)?", path):
            sid, expire = m.groups()
            if method == "POST" and not sid:
                return self._create_session(params)
            if method == "GET" and sid and not expire:
                return self._expand_session(self._get_session(sid), expand)
            if method == "POST" and expire:
                if self._get_session(sid)["status"] != "open":
                    raise _invalid(
                        'Only Checkout Sessions with a status in ["open"] can be expired.'
                    )
                return self.expire_session(sid)
        elif path == "/v1/refunds" and method == "POST":
            return self._create_refund(params)
        elif method == "GET" and (m := re.fullmatch(r"/v1/(\w+)/([^/]+)", path)):
            tables = {
                "payment_intents": (self.payment_intents, "payment_intent"),
                "charges": (self.charges, "charge"),
                "refunds": (self.refunds, "refund"),
            }
            if m[1] in tables:
                return self._lookup(*tables[m[1]], m[2])
        raise StripeError(
            404,
            "invalid_request_error",
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs.",
        )

    def _handle(
        self, method: str, path: str, params: dict, headers: dict
    ) -> tuple[int, dict, bool]:
        """Return (status, body, replayed) for one API request; the lock must be held."""
        record = RecordedRequest(method, path, params, headers)
        self.requests.append(record)
        try:
            if self.down or self._failures:
                raise _injected_error(self._failures.pop(0) if self._failures else 500)
            self._check_auth(headers.get("Authorization", ""))
            key = record.idempotency_key if method == "POST" else None
            fingerprint = (method, path, params)
            if key and key in self._idempotency:
                seen, body = self._idempotency[key]
                if seen != fingerprint:
                    raise StripeError(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                    )
                record.status = 200
                return 200, body, True
            body = json.loads(json.dumps(self._route(method, path, params)))
            if key:
                # Only successful results are stored, like Stripe skipping failed validation.
                self._idempotency[key] = (fingerprint, body)
            record.status = 200
            return 200, body, False
        except StripeError as exc:
            record.status = exc.status
            return exc.status, exc.body, False
        # A bug in the fake should reach the test as a 500 body, not a dropped connection.
        except Exception as exc:  # noqa: BLE001
            record.status = 500
            return 500, _injected_error(500).body | {"fake_exception": repr(exc)}, False

    def _check_auth(self, header: str) -> None:
        scheme, _, key = header.partition(" ")
        if scheme != "Bearer" or not key:
            raise StripeError(
                401,
                "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth "
                "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if key != self.api_key:
            raise StripeError(
                401,
                "invalid_request_error",
                f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}",
            )


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            pairs += parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
        if method == "GET" and (m := re.fullmatch(r"/pay/([^/]+)", split.path)):
            return self._pay_page(m[1])
        with self.fake.lock:
            status, body, replayed = self.fake._handle(
                method,
                split.path,
                parse_form(pairs),
                {k.title(): v for k, v in self.headers.items()},
            )
        data = json.dumps(body, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", _new_id("req_", 14))
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(data)

    def _pay_page(self, session_id: str) -> None:
        # Just enough for a browser-driven test to land somewhere; paying is a Python call.
        with self.fake.lock:
            known = session_id in self.fake.sessions
        data = b"<!doctype html><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1>"
        self.send_response(200 if known else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format, *args) -> None:
        pass  # keep pytest output clean


def build_event(
    event_type: str, data_object: dict, *, event_id: str | None = None, created: int | None = None
) -> dict:
    """A Stripe Event envelope around a snapshot of ``data_object``."""
    return {
        "id": event_id or _new_id("evt_test_"),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()) if created is None else created,
        "data": {"object": json.loads(json.dumps(data_object))},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signed_webhook(event: dict, secret: str, *, timestamp: int | None = None) -> tuple[bytes, str]:
    """Return (body, Stripe-Signature header) exactly as Stripe would deliver ``event``."""
    payload = json.dumps(event, indent=2)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return payload.encode(), header


def deliver(url: str, event: dict, secret: str, *, timeout: float = 10) -> tuple[int, bytes]:
    """POST a signed event to a live webhook endpoint; returns (status, body) even on 4xx/5xx."""
    body, header = signed_webhook(event, secret)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header},
    )
    # An empty ProxyHandler keeps a developer's HTTP(S)_PROXY from hijacking localhost calls.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()

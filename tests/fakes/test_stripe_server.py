"""The fake must behave like Stripe for the real SDK, over real HTTP."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.fakes.stripe_server import FakeStripe, build_event, deliver, parse_form, signed_webhook

SECRET = "whsec_test_secret"


@pytest.fixture(scope="module")
def server():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def fake(server):
    server.reset()
    return server


@pytest.fixture
def client(fake):
    return stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url})


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 4900,
                    "product_data": {"name": "Django for Beginners"},
                },
                "quantity": 2,
            },
            {"price_data": {"currency": "eur", "unit_amount": 100}, "quantity": 1},
        ],
        "success_url": "https://edu.example/paid?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://edu.example/cart",
        "client_reference_id": "order-42",
        "customer_email": "student@example.com",
        "metadata": {"order_id": "42"},
    }
    return params | overrides


def test_parse_form_handles_stripe_bracket_notation():
    pairs = [
        ("line_items[0][price_data][unit_amount]", "100"),
        ("line_items[0][quantity]", "1"),
        ("line_items[1][quantity]", "3"),
        ("metadata[order_id]", "7"),
        ("expand[]", "a"),
        ("expand[]", "b"),
        ("mode", "payment"),
    ]
    assert parse_form(pairs) == {
        "line_items": [{"price_data": {"unit_amount": "100"}, "quantity": "1"}, {"quantity": "3"}],
        "metadata": {"order_id": "7"},
        "expand": ["a", "b"],
        "mode": "payment",
    }


def test_create_session_shape(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.amount_total == 2 * 4900 + 100
    assert session.currency == "eur"
    assert session.client_reference_id == "order-42"
    assert session.customer_email == "student@example.com"
    assert session.metadata.to_dict() == {"order_id": "42"}
    assert session.success_url.endswith("session_id={CHECKOUT_SESSION_ID}")
    assert session.url == f"{fake.url}/pay/{session.id}"
    assert session.payment_intent is None
    assert session.livemode is False
    assert session.expires_at > session.created
    assert fake.sessions[session.id]["amount_total"] == 9900


def test_missing_mode_is_invalid_request(client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.checkout.sessions.create(params=session_params(mode=None))
    assert exc.value.param == "mode"


def test_idempotency_key_replays_and_rejects_different_params(fake, client):
    options = {"idempotency_key": "order-42-checkout"}
    first = client.v1.checkout.sessions.create(params=session_params(), options=options)
    again = client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert again.id == first.id
    assert len(fake.sessions) == 1
    assert [r.idempotency_key for r in fake.requests] == ["order-42-checkout"] * 2

    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="order-43"), options=options
        )


def test_retrieve_and_unknown_session(client):
    created = client.v1.checkout.sessions.create(params=session_params())
    fetched = client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items"]})
    assert fetched.id == created.id
    assert [item.quantity for item in fetched.line_items.data] == [2, 1]

    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert exc.value.http_status == 404
    assert exc.value.code == "resource_missing"


def test_complete_then_refund(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.complete_session(session.id)

    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.status == "succeeded"
    assert paid.customer_details.email == "student@example.com"
    pi_id = paid.payment_intent.id

    refund = client.v1.refunds.create(params={"payment_intent": pi_id, "amount": 100})
    assert refund.object == "refund" and refund.amount == 100 and refund.status == "succeeded"
    charge = client.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (100, False)

    client.v1.refunds.create(params={"charge": charge.id})
    assert fake.charges[charge.id]["refunded"] is True
    assert len(fake.refunds) == 2
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create(params={"charge": charge.id})
    assert exc.value.code == "charge_already_refunded"


def test_refund_unknown_payment_intent(client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create(params={"payment_intent": "pi_missing"})
    assert exc.value.code == "resource_missing"


def test_async_payment_flow_events(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.complete_session(session.id, async_pending=True)
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"
    pi_id = fake.sessions[session.id]["payment_intent"]
    assert client.v1.payment_intents.retrieve(pi_id).status == "processing"

    event = fake.async_payment_succeeded_event(session.id)
    assert event["type"] == "checkout.session.async_payment_succeeded"
    assert event["data"]["object"]["payment_status"] == "paid"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_expire(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    event = fake.session_expired_event(session.id)
    assert event["data"]["object"]["status"] == "expired"
    with pytest.raises(ValueError):
        fake.complete_session(session.id)


def test_bad_or_missing_key_is_authentication_error(fake):
    bad = stripe.StripeClient("sk_test_wrong", base_addresses={"api": fake.url})
    with pytest.raises(stripe.AuthenticationError) as exc:
        bad.v1.checkout.sessions.retrieve("cs_test_x")
    assert exc.value.http_status == 401
    assert fake.requests[-1].status == 401


def test_down_raises_api_error_without_retries_by_default(fake, client):
    fake.down = True
    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(params=session_params())
    # StripeClient defaults to max_network_retries=0 (unlike the legacy global config's 2).
    assert len(fake.requests) == 1
    assert fake.sessions == {}


def test_fail_next_is_retried_with_the_same_idempotency_key(fake):
    client = stripe.StripeClient(
        fake.api_key, base_addresses={"api": fake.url}, max_network_retries=1
    )
    fake.fail_next(1, status=500)
    session = client.v1.checkout.sessions.create(params=session_params())

    assert [r.status for r in fake.requests] == [500, 200]
    assert fake.requests[0].idempotency_key == fake.requests[1].idempotency_key
    assert list(fake.sessions) == [session.id]


def test_card_error(fake, client):
    fake.fail_next(status=402)
    with pytest.raises(stripe.CardError) as exc:
        client.v1.checkout.sessions.create(params=session_params())
    assert exc.value.code == "card_declined"


def test_signed_webhook_verifies_and_tampering_fails(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    event = fake.session_completed_event(session.id)
    assert fake.sessions[session.id]["status"] == "complete"

    body, header = signed_webhook(event, SECRET)
    parsed = stripe.Webhook.construct_event(body, header, SECRET)
    assert parsed.type == "checkout.session.completed"
    assert parsed.data.object.id == session.id
    assert parsed.data.object.payment_status == "paid"

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"paid", b"PAID"), header, SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_other")
    old_body, old_header = signed_webhook(event, SECRET, timestamp=1)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(old_body, old_header, SECRET)


def test_charge_refunded_event_refunds_like_the_dashboard(fake, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    fake.complete_session(session.id)
    charge_id = fake.payment_intents[fake.sessions[session.id]["payment_intent"]]["latest_charge"]

    charge = fake.charge_refunded_event(charge_id)["data"]["object"]
    assert charge["object"] == "charge"
    assert (charge["amount_refunded"], charge["refunded"]) == (9900, True)
    assert charge["payment_intent"] == fake.sessions[session.id]["payment_intent"]


def test_build_event_shape():
    event = build_event("checkout.session.expired", {"id": "cs_1"}, event_id="evt_1", created=5)
    assert event["id"] == "evt_1" and event["object"] == "event" and event["created"] == 5
    assert event["livemode"] is False and event["api_version"] == stripe.api_version
    assert event["data"]["object"] == {"id": "cs_1"}


def test_deliver_posts_a_verifiable_event():
    received = {}

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received["event"] = stripe.Webhook.construct_event(
                body, self.headers["Stripe-Signature"], SECRET
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        event = build_event("checkout.session.completed", {"id": "cs_1", "object": "x"})
        status, _ = deliver(f"http://127.0.0.1:{hook.server_address[1]}/hook", event, SECRET)
    finally:
        hook.shutdown()
        hook.server_close()
    assert status == 200
    assert received["event"].id == event["id"]
    assert json.loads(str(received["event"]))["type"] == "checkout.session.completed"

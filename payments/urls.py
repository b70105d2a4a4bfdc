from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order-cancel"),
    path("success/", views.checkout_success, name="success"),
    path("cancel/", views.checkout_cancel, name="cancel"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("dev-checkout/<int:order_id>/", views.dev_checkout, name="dev-checkout"),
]

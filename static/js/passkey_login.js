// The passkey button only works with scripts and WebAuthn: shown where both are there.
if (window.PublicKeyCredential) {
  document.getElementById("passkey_login").hidden = false;
}

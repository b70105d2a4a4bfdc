// Live notifications: keeps the header badge right and shows a toast for each new
// notification, over one WebSocket per tab (every tab of a user gets every update).
// No inline script (CSP): the settings and translated labels come from data- attributes on
// the bell link in base.html. Text from the server is inserted with textContent only.
(function () {
  "use strict";

  var bell = document.querySelector("[data-notification-bell]");
  // Without a bell (logged out) or WebSocket support the server-rendered count stays as is.
  if (!bell || !("WebSocket" in window) || !window.JSON) return;

  var badge = bell.querySelector("[data-unread-count]");
  var label = bell.querySelector("[data-unread-label]");
  var toasts = document.querySelector("[data-toasts]");

  // Close codes (notifications/consumers.py). 4401: no longer logged in (a logout, a new
  // password, a deactivated account, an ended session), or an admin who must set up
  // two-factor first (accounts/sockets.py): reconnecting would not help.
  var CLOSE_UNAUTHENTICATED = 4401;
  // The server refused what this tab sent (too big, binary, too fast) or failed on it: the
  // next socket may do the same, so its welcome does not reset the backoff.
  var CLOSES_OVER_A_MESSAGE = [4413, 4415, 4429, 4500];
  var BASE_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var PING_MS = 30000; // keeps idle proxies from dropping the socket
  var TOAST_MS = 8000;
  var MAX_TOASTS = 3;

  var attempts = 0;
  var retryTimer = null;
  var pingTimer = null;
  var stopped = false;
  var keepBackingOff = false;

  function setCount(count) {
    if (typeof count !== "number" || !isFinite(count) || count < 0) return;
    count = Math.floor(count);
    if (badge) {
      badge.textContent = String(count);
      badge.classList.toggle("is-empty", count === 0);
    }
    if (label) {
      var template = bell.getAttribute("data-label-unread") || "{count} unread";
      label.textContent = count ? template.replace("{count}", String(count)) : "";
    }
  }

  function isLocalPath(link) {
    return typeof link === "string" && /^\/(?![\/\\])/.test(link);
  }

  function removeToast(toast) {
    if (toast.parentNode) toast.parentNode.removeChild(toast);
  }

  function showToast(notification) {
    if (!toasts || !notification || typeof notification.title !== "string") return;
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.setAttribute("data-toast", "");

    var title = document.createElement("strong");
    title.textContent = notification.title;
    toast.appendChild(title);
    if (typeof notification.body === "string" && notification.body) {
      var body = document.createElement("p");
      body.textContent = notification.body;
      toast.appendChild(body);
    }
    if (isLocalPath(notification.link)) {
      var link = document.createElement("a");
      link.href = notification.link;
      link.textContent = bell.getAttribute("data-label-open") || "Open";
      toast.appendChild(document.createTextNode(" "));
      toast.appendChild(link);
    }
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "button button-small button-secondary";
    dismiss.textContent = "\u00d7";
    dismiss.setAttribute("aria-label", bell.getAttribute("data-label-dismiss") || "Dismiss");
    dismiss.addEventListener("click", function () {
      removeToast(toast);
    });
    toast.appendChild(document.createTextNode(" "));
    toast.appendChild(dismiss);

    // The aria-live region has announced the text on insertion; the toast then hides itself,
    // but never while the pointer or keyboard focus is on it.
    var hideTimer = null;
    function scheduleHide() {
      clearTimeout(hideTimer);
      hideTimer = setTimeout(function () {
        removeToast(toast);
      }, TOAST_MS);
    }
    function holdOpen() {
      clearTimeout(hideTimer);
    }
    toast.addEventListener("mouseenter", holdOpen);
    toast.addEventListener("focusin", holdOpen);
    toast.addEventListener("mouseleave", scheduleHide);
    toast.addEventListener("focusout", scheduleHide);

    while (toasts.children.length >= MAX_TOASTS) removeToast(toasts.firstElementChild);
    toasts.appendChild(toast);
    scheduleHide();
  }

  function onMessage(event) {
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (!data || typeof data !== "object") return;
    if (data.type === "unread_count") {
      // The server sends the count first on every healthy connection.
      if (!keepBackingOff) attempts = 0;
      bell.setAttribute("data-live", "connected");
      setCount(data.unread_count);
    } else if (data.type === "notification") {
      setCount(data.unread_count);
      showToast(data.notification);
    }
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
    var delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, attempts));
    attempts += 1;
    retryTimer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
  }

  function connect() {
    retryTimer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var path = bell.getAttribute("data-socket-path") || "/ws/notifications/";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + path);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      pingTimer = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }, PING_MS);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      clearInterval(pingTimer);
      bell.setAttribute("data-live", "closed");
      if (event.code === CLOSE_UNAUTHENTICATED) {
        stopped = true;
        return;
      }
      keepBackingOff = CLOSES_OVER_A_MESSAGE.indexOf(event.code) !== -1;
      scheduleReconnect();
    });
  }

  window.addEventListener("online", function () {
    // Back online: skip the remaining wait.
    if (retryTimer) {
      clearTimeout(retryTimer);
      connect();
    }
  });

  connect();
})();

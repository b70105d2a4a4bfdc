// Drag-and-drop reordering with SortableJS, shared by the instructor workspace and the quiz
// editor. Each page registers the element the server sends back whole (its "root") and says
// which of its lists are sortable; this file does the rest.
// Without JavaScript (or SortableJS) the move buttons do the same job, so the drag handles
// ([data-handle]) and the hint ([data-drag-hint]) stay hidden until a root is set up. On drop
// the new order is POSTed to the page's reorder endpoint; the server answers with the root as
// saved (a fragment or a whole page), which replaces the old one, and the focus goes to the
// moved row's move button. When the server refuses (e.g. another tab changed the order), a
// toast shows the root's data-error-message and the saved order comes back.
// No inline script (CSP): URLs and labels come from data- attributes.
//
// window.SortableLists.register({
//   rootId: "outline",                     // the id of the root
//   ready: function (root) { ... },        // optional: false when there is nothing to sort
//   bind: function (root, save) { ... }    // create the Sortables; on a drop call
// });                                      //   save(url, fieldName, ids, movedRowId)
// window.SortableLists.childIds(list, selector, key): the data-<key> of list's matching children.
(function () {
  "use strict";

  var supported = !!(window.Sortable && window.fetch && window.URLSearchParams);

  // In a row, the control that takes the focus after a drop: its first enabled move button,
  // else its first link (a row's own .ws-row comes before those of rows nested in it).
  var FOCUS_SELECTORS = [".ws-row .ws-move button:not([disabled])", ".ws-row a"];

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function toast(text) {
    var region = document.querySelector("[data-toasts]");
    if (!region || !text) return;
    var item = document.createElement("p");
    item.className = "toast";
    item.setAttribute("role", "alert");
    item.textContent = text;
    region.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 8000);
  }

  function childIds(list, selector, key) {
    return Array.prototype.filter
      .call(list.children, function (child) { return child.matches(selector); })
      .map(function (child) { return child.dataset[key]; });
  }

  function focusRow(rowId) {
    var row = document.getElementById(rowId);
    if (!row) return;
    for (var i = 0; i < FOCUS_SELECTORS.length; i++) {
      var control = row.querySelector(FOCUS_SELECTORS[i]);
      if (control) {
        control.focus();
        return;
      }
    }
  }

  function register(options) {
    if (!supported) return;

    // Replace the root with the one in `html` (the server's, a fragment or a whole page).
    function swap(html) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      var fresh = holder.content.getElementById(options.rootId);
      var current = document.getElementById(options.rootId);
      if (!fresh || !current) return null;
      current.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      setUp(fresh);
      return fresh;
    }

    function restore(root) {
      toast(root.dataset.errorMessage);
      fetch(window.location.pathname, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(swap)
        .catch(function () { window.location.reload(); });
    }

    function save(root, url, name, ids, rowId) {
      var body = new URLSearchParams();
      ids.forEach(function (id) { body.append(name, id); });
      root.setAttribute("aria-busy", "true");
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (!swap(html)) throw new Error("no " + options.rootId);
          focusRow(rowId);
        })
        .catch(function () { restore(root); });
    }

    function setUp(root) {
      if (!root || root.dataset.sortableReady) return;
      if (options.ready && !options.ready(root)) return;
      root.dataset.sortableReady = "true";
      root.querySelectorAll("[data-handle], [data-drag-hint]").forEach(function (element) {
        element.hidden = false;
      });
      options.bind(root, function (url, name, ids, rowId) {
        save(root, url, name, ids, rowId);
      });
    }

    function setUpCurrent() { setUp(document.getElementById(options.rootId)); }

    // After an htmx swap (e.g. a move button that htmx posts), the new root needs its handles
    // too; htmx itself focuses the control marked autofocus.
    document.addEventListener("htmx:afterSettle", setUpCurrent);
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", setUpCurrent);
    } else {
      setUpCurrent();
    }
  }

  window.SortableLists = { register: register, childIds: childIds };
})();

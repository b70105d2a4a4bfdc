// Quiz editor: drag-and-drop reordering of the questions (SortableJS).
// Without JavaScript (or SortableJS) the move buttons do the same job, so the drag handles
// stay hidden until this script shows them. On drop the new order is POSTed to the reorder
// endpoint, which answers with the list as saved; it replaces the old one and the focus goes
// to the moved question's move button. When the server refuses (the order no longer
// matches, e.g. another tab changed it), a toast says so and the saved order comes back.
// No inline script (CSP): the URL and the message come from data- attributes.
(function () {
  "use strict";

  if (!window.Sortable || !window.fetch || !window.URLSearchParams) return;

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

  // Replace the list with the one in `html` (a fragment or the whole editor page).
  function swapList(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.querySelector("#question-list");
    var current = document.getElementById("question-list");
    if (!fresh || !current) return null;
    current.replaceWith(fresh);
    setUp(fresh);
    return fresh;
  }

  function focusRow(rowId) {
    var row = document.getElementById(rowId);
    if (!row) return;
    var control = row.querySelector(".ws-move button:not([disabled])") || row.querySelector("a");
    if (control) control.focus();
  }

  function restore(list) {
    toast(list.dataset.errorMessage);
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(swapList)
      .catch(function () { window.location.reload(); });
  }

  function save(list, ids, rowId) {
    var body = new URLSearchParams();
    ids.forEach(function (id) { body.append("question", id); });
    list.setAttribute("aria-busy", "true");
    fetch(list.dataset.reorderUrl, {
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
        if (!swapList(html)) throw new Error("no list");
        focusRow(rowId);
      })
      .catch(function () { restore(list); });
  }

  function setUp(list) {
    if (!list || list.dataset.sortableReady || !list.dataset.reorderUrl) return;
    var questions = list.querySelector("[data-sortable-questions]");
    if (!questions) return;
    list.dataset.sortableReady = "true";
    list.querySelectorAll("[data-handle], [data-drag-hint]").forEach(function (element) {
      element.hidden = false;
    });
    window.Sortable.create(questions, {
      handle: "[data-handle]",
      draggable: ".qz-question",
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) return;
        var ids = Array.prototype.map.call(questions.children, function (child) {
          return child.dataset.question;
        });
        save(list, ids, "question-" + event.item.dataset.question);
      }
    });
  }

  function setUpCurrent() { setUp(document.getElementById("question-list")); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpCurrent);
  } else {
    setUpCurrent();
  }
})();

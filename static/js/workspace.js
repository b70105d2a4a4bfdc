// Instructor workspace: drag-and-drop reordering of modules and lectures (SortableJS).
// Without JavaScript (or SortableJS) the move buttons do the same job, so the drag handles
// stay hidden until this script shows them. On drop the new order is POSTed to the reorder
// endpoint; the server answers with the outline as saved, which replaces the old one, and
// the focus goes to the moved row's move button. When the server refuses (400: the order
// no longer matches, e.g. another tab changed it), a toast says so and the saved order
// comes back. No inline script (CSP): URLs and labels come from data- attributes.
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

  function childIds(list, selector, key) {
    return Array.prototype.filter
      .call(list.children, function (child) { return child.matches(selector); })
      .map(function (child) { return child.dataset[key]; });
  }

  // Replace the outline with `html` (the server's, a fragment or a whole page).
  function swapOutline(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.querySelector("#outline");
    var current = document.getElementById("outline");
    if (!fresh || !current) return null;
    current.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    setUp(fresh);
    return fresh;
  }

  function focusRow(rowId) {
    var row = document.getElementById(rowId);
    if (!row) return;
    var control = row.querySelector(".ws-row .ws-move button:not([disabled])") ||
      row.querySelector(".ws-row a");
    if (control) control.focus();
  }

  function restore(outline) {
    toast(outline.dataset.errorMessage);
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(swapOutline)
      .catch(function () { window.location.reload(); });
  }

  function saveOrder(outline, url, name, ids, rowId) {
    var body = new URLSearchParams();
    ids.forEach(function (id) { body.append(name, id); });
    outline.setAttribute("aria-busy", "true");
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
        if (!swapOutline(html)) throw new Error("no outline");
        focusRow(rowId);
      })
      .catch(function () { restore(outline); });
  }

  function setUp(outline) {
    if (!outline || outline.dataset.sortableReady) return;
    outline.dataset.sortableReady = "true";
    outline.querySelectorAll("[data-handle], [data-drag-hint]").forEach(function (element) {
      element.hidden = false;
    });

    var modules = outline.querySelector("[data-sortable-modules]");
    if (modules) {
      window.Sortable.create(modules, {
        handle: ".ws-module-row > [data-handle]",
        draggable: ".ws-module",
        animation: 150,
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          saveOrder(outline, outline.dataset.moduleReorderUrl, "module",
            childIds(modules, ".ws-module", "module"), "module-" + event.item.dataset.module);
        }
      });
    }

    outline.querySelectorAll("[data-sortable-lectures]").forEach(function (list) {
      window.Sortable.create(list, {
        group: "lectures",
        handle: "[data-handle]",
        draggable: ".ws-lecture",
        animation: 150,
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          var module = event.to.closest("[data-module]");
          saveOrder(outline, module.dataset.lectureReorderUrl, "lecture",
            childIds(event.to, ".ws-lecture", "lecture"), "lecture-" + event.item.dataset.lecture);
        }
      });
    });
  }

  function setUpCurrent() { setUp(document.getElementById("outline")); }

  // After an htmx swap (a move or publish button), the new outline needs its handles too;
  // htmx itself focuses the control marked autofocus.
  document.addEventListener("htmx:afterSettle", setUpCurrent);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpCurrent);
  } else {
    setUpCurrent();
  }
})();

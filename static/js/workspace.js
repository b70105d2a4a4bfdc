// Instructor workspace: the modules, and the lectures of each module (which can also move to
// another module), reorder by drag and drop. The shared behaviour (handles, saving, focus,
// errors) is in sortable_lists.js, loaded before this file.
(function () {
  "use strict";

  var lists = window.SortableLists;
  if (!lists) return;

  lists.register({
    rootId: "outline",
    bind: function (outline, save) {
      var modules = outline.querySelector("[data-sortable-modules]");
      if (modules) {
        window.Sortable.create(modules, {
          handle: ".ws-module-row > [data-handle]",
          draggable: ".ws-module",
          animation: 150,
          onEnd: function (event) {
            if (event.oldIndex === event.newIndex) return;
            save(outline.dataset.moduleReorderUrl, "module",
              lists.childIds(modules, ".ws-module", "module"), "module-" + event.item.dataset.module);
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
            save(module.dataset.lectureReorderUrl, "lecture",
              lists.childIds(event.to, ".ws-lecture", "lecture"),
              "lecture-" + event.item.dataset.lecture);
          }
        });
      });
    }
  });
})();

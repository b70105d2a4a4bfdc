// Quiz editor: the questions reorder by drag and drop. The shared behaviour (handles, saving,
// focus, errors) is in sortable_lists.js, loaded before this file. A quiz not saved yet has
// no reorder URL, and so no dragging.
(function () {
  "use strict";

  var lists = window.SortableLists;
  if (!lists) return;

  lists.register({
    rootId: "question-list",
    ready: function (list) {
      return list.dataset.reorderUrl && list.querySelector("[data-sortable-questions]");
    },
    bind: function (list, save) {
      var questions = list.querySelector("[data-sortable-questions]");
      window.Sortable.create(questions, {
        handle: "[data-handle]",
        draggable: ".qz-question",
        animation: 150,
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          save(list.dataset.reorderUrl, "question",
            lists.childIds(questions, ".qz-question", "question"),
            "question-" + event.item.dataset.question);
        }
      });
    }
  });
})();

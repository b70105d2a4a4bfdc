// Profile photo: show the picked file before it is uploaded. Without this script the form
// still works; the new photo shows after saving.
(function () {
  "use strict";
  document.querySelectorAll("[data-avatar-field]").forEach(function (field) {
    var input = field.querySelector("input[type=file]");
    var preview = field.querySelector("[data-avatar-preview]");
    var placeholder = field.querySelector("[data-avatar-placeholder]");
    if (!input || !preview) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !/^image\//.test(file.type)) return;
      var reader = new FileReader();
      reader.addEventListener("load", function () {
        preview.src = reader.result;
        preview.alt = field.dataset.previewAlt || "";
        preview.hidden = false;
        if (placeholder) placeholder.hidden = true;
      });
      reader.readAsDataURL(file);
    });
  });
})();

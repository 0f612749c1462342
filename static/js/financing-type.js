// Show only the figures the chosen financing type uses (the server clears the others anyway).
(function () {
  "use strict";
  function update(select) {
    var form = select.form;
    if (!form) { return; }
    form.querySelectorAll("[data-financing-types]").forEach(function (input) {
      var wrapper = input.closest(".mb-3") || input;
      var types = input.getAttribute("data-financing-types").split(" ");
      wrapper.hidden = select.value !== "" && types.indexOf(select.value) === -1;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-financing-type-select]").forEach(function (select) {
      update(select);
      select.addEventListener("change", function () { update(select); });
    });
  });
})();

// Add rows to a Django formset without a page load. Without JavaScript the
// formset's extra rows still work; this only offers more of them.
(function () {
  "use strict";

  function addRow(container) {
    var prefix = container.dataset.prefix;
    var total = container.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    var template = container.querySelector("template.empty-form");
    var rows = container.querySelector(".formset-rows");
    if (!total || !template || !rows) {
      return;
    }
    var index = parseInt(total.value, 10);
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("tr");
    rows.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input:not([type=hidden]), select");
    if (first) {
      first.focus();
    }
  }

  document.querySelectorAll(".formset[data-prefix]").forEach(function (container) {
    var button = container.querySelector(".add-row");
    if (!button) {
      return;
    }
    button.classList.remove("d-none");
    button.addEventListener("click", function () {
      addRow(container);
    });
  });
})();

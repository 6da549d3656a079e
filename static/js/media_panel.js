// Product media panel: drag and drop reordering within a role (native HTML5 drag and drop;
// the ↑/↓ buttons are the keyboard way) and dropping files on the upload form. Listeners sit
// on the document, so the panel can be swapped by htmx any number of times.
(function () {
  "use strict";
  if (window.tesseraMediaPanel) return;
  window.tesseraMediaPanel = true;
  var dragged = null;

  function panelOf(node) { return node.closest("#media-panel-body"); }

  function postOrder(list) {
    var panel = panelOf(list);
    var values = { role: list.dataset.role, channel: list.dataset.channel, locale: list.dataset.locale,
      asset: Array.prototype.map.call(list.querySelectorAll("[data-asset]"), function (li) { return li.dataset.asset; }) };
    htmx.ajax("POST", panel.dataset.reorderUrl, { target: panel, swap: "outerHTML", values: values });
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-sortable] > [data-asset]");
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.asset);
  });
  document.addEventListener("dragover", function (event) {
    var over = event.target.closest && event.target.closest("[data-sortable] > [data-asset]");
    if (dragged && over && over.parentNode === dragged.parentNode) {
      event.preventDefault();
      over.classList.add("drag-over");
    }
    var zone = event.target.closest && event.target.closest("[data-media-drop]");
    if (zone && !dragged) event.preventDefault();
  });
  document.addEventListener("dragleave", function (event) {
    var over = event.target.closest && event.target.closest("[data-asset]");
    if (over) over.classList.remove("drag-over");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-media-drop]");
    if (zone && !dragged && event.dataTransfer.files.length) {
      event.preventDefault();
      zone.querySelector("input[type=file]").files = event.dataTransfer.files;
      zone.requestSubmit();
      return;
    }
    var over = event.target.closest && event.target.closest("[data-sortable] > [data-asset]");
    if (!dragged || !over || over === dragged || over.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    over.classList.remove("drag-over");
    var items = Array.prototype.slice.call(over.parentNode.children);
    var after = items.indexOf(dragged) < items.indexOf(over);
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
    var list = dragged.parentNode;
    dragged = null;
    postOrder(list);
  });
  document.addEventListener("dragend", function () { dragged = null; });
})();

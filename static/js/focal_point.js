// Focal point picker: a click on the preview image sets x and y (shares 0..1 of the width and
// height) in the focal point form and saves it; the number inputs are the keyboard way.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var picker = document.querySelector("[data-focal-picker]");
    var form = document.querySelector("[data-focal-form]");
    if (!picker || !form) return;
    var image = picker.querySelector("img");
    var marker = picker.querySelector("[data-focal-marker]");
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      var x = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
      var y = Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1);
      form.elements.focal_point_x.value = x.toFixed(4);
      form.elements.focal_point_y.value = y.toFixed(4);
      marker.hidden = false;
      marker.style.left = x * 100 + "%";
      marker.style.top = y * 100 + "%";
      form.requestSubmit();
    });
  });
})();

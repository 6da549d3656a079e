// The product editor: the channel and locale switchers reload on change (the "Show" button
// stays for keyboard and no-JS use), and unsaved input is not lost to a switch without asking.
(() => {
  const values = document.getElementById("values");
  let dirty = false;
  if (values) {
    values.addEventListener("input", () => { dirty = true; });
    values.addEventListener("submit", () => { dirty = false; });
  }
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => {
      if (dirty && !window.confirm("Leave without saving your changes?")) return;
      dirty = false;
      select.form.requestSubmit();
    });
  }
})();

// Rich text: a small toolbar that wraps the selection in a tag. The text stays HTML in a
// textarea (the server sanitises it with nh3), so nothing is hidden from keyboard users.
(() => {
  const TOOLS = [
    ["strong", "Bold"],
    ["em", "Italic"],
    ["p", "Paragraph"],
    ["li", "List item"],
  ];
  for (const area of document.querySelectorAll("textarea[data-rich-text]")) {
    const bar = document.createElement("div");
    bar.className = "pe-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    bar.setAttribute("aria-controls", area.id);
    for (const [tag, name] of TOOLS) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      button.addEventListener("click", () => {
        const { selectionStart: start, selectionEnd: end, value } = area;
        const inner = value.slice(start, end);
        const wrapped = tag === "li" ? `<ul><li>${inner}</li></ul>` : `<${tag}>${inner}</${tag}>`;
        area.setRangeText(wrapped, start, end, "end");
        area.dispatchEvent(new Event("input", { bubbles: true }));
        area.focus();
      });
      bar.append(button);
    }
    area.before(bar);
  }
})();

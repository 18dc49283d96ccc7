// Make the page's task lists tickable and remember each box in localStorage, per page and per item.
(function () {
  "use strict";
  const PREFIX = "roadmap-checklist:";

  function storage() {
    try {
      const probe = PREFIX + "probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: the boxes still tick, they are just not remembered
    }
  }

  function itemKey(box, index) {
    const label = box.parentElement.textContent.trim().replace(/\s+/g, " ");
    return PREFIX + window.location.pathname + ":" + index + ":" + label;
  }

  function showProgress(list) {
    const boxes = list.querySelectorAll("input.task-list-item-checkbox");
    const done = Array.from(boxes).filter((box) => box.checked).length;
    let line = list.previousElementSibling;
    if (!line || !line.classList.contains("checklist-progress")) {
      line = document.createElement("p");
      line.className = "checklist-progress";
      line.setAttribute("aria-live", "polite");
      list.parentNode.insertBefore(line, list);
    }
    line.textContent = done + " of " + boxes.length + " done";
  }

  function enable() {
    const store = storage();
    const boxes = document.querySelectorAll("input.task-list-item-checkbox");
    boxes.forEach((box, index) => {
      const key = itemKey(box, index);
      const list = box.closest("ul, ol");
      box.disabled = false;
      box.removeAttribute("disabled");
      box.setAttribute("aria-label", box.parentElement.textContent.trim());
      if (store) box.checked = store.getItem(key) === "done";
      box.addEventListener("change", () => {
        if (store) {
          if (box.checked) store.setItem(key, "done");
          else store.removeItem(key);
        }
        showProgress(list);
      });
    });
    new Set(Array.from(boxes, (box) => box.closest("ul, ol"))).forEach(showProgress);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enable);
  else enable();
})();

/* Progressive enhancement only: every page works without this file.
   Loaded as a file (no inline script), so a strict Content-Security-Policy holds. */
(function () {
  "use strict";

  // "Copy link" buttons: hidden in the HTML, shown only where copying can work.
  function enableCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.querySelector(button.getAttribute("data-copy"));
      if (!field) return;
      var status = button.closest(".field") && button.closest(".field").querySelector("[data-copy-status]");
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(field).then(function () {
          // The page gives the texts in its language (data-copied, data-copy-failed).
          if (status) status.textContent = button.getAttribute("data-copied") || "Link copied.";
        }, function () {
          field.focus();
          field.select();
          if (status) {
            status.textContent =
              button.getAttribute("data-copy-failed") || "Press Ctrl+C (or ⌘C) to copy the selected link.";
          }
        });
      });
    });
  }

  function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    field.focus();
    field.select();
    return document.execCommand && document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  // Time zone selects marked for it start on the browser's own zone, if still on the default.
  function detectTimezone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    document.querySelectorAll("select[data-detect-timezone]").forEach(function (select) {
      if (select.value !== "UTC" || !zone) return;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === zone) {
          select.value = zone;
          return;
        }
      }
    });
  }

  // "Print" buttons: hidden in the HTML (the page says how to print without them).
  function enablePrintButtons() {
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      if (typeof window.print !== "function") return;
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  // A second click on a submit button while the page loads would post twice.
  function preventDoubleSubmit() {
    document.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      var form = event.target;
      if (form.dataset.submitting) {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
      form.setAttribute("aria-busy", "true");
    });
    // Back from the next page (back-forward cache): the forms are usable again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      document.querySelectorAll("form[data-submitting]").forEach(function (form) {
        delete form.dataset.submitting;
        form.removeAttribute("aria-busy");
      });
    });
  }

  // A message shown beside the task or milestone it is about (the roadmap page): focus it,
  // so it is read out and the keyboard carries on from there. Without this file the
  // address's #task-... already scrolls to it.
  // After the load: scrolling to the address's #task-... moves focus to the page itself,
  // so focusing any earlier would be undone.
  function focusFlash() {
    var flash = document.querySelector("[data-flash]");
    if (!flash) return;
    var focus = function () {
      window.setTimeout(function () {
        flash.focus();
      }, 0);
    };
    if (document.readyState === "complete") focus();
    else window.addEventListener("load", focus);
  }

  // "More" menus (<details>): Escape closes the open one and gives focus back to its summary.
  function closeMenusOnEscape() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var menu = event.target.closest && event.target.closest(".plan-tasks details[open]");
      if (!menu) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  }

  function start() {
    enableCopyButtons();
    detectTimezone();
    enablePrintButtons();
    preventDoubleSubmit();
    focusFlash();
    closeMenusOnEscape();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

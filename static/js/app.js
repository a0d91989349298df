// Small progressive enhancements; every page works without them (and with a
// strict Content-Security-Policy: no inline scripts, no eval).

// Show a part of a form only when a radio group has a given value:
//   <fieldset data-show-when="person_mode" data-show-value="new">
// Without JavaScript every part stays visible and the server validates.
function applyShowWhen(root) {
  root.querySelectorAll("[data-show-when]").forEach((element) => {
    const form = element.closest("form") || document;
    const checked = form.querySelector(`input[name="${element.dataset.showWhen}"]:checked`);
    const wanted = element.dataset.showValue.split(" ");
    element.hidden = !(checked && wanted.includes(checked.value));
  });
}

document.addEventListener("change", (event) => {
  if (event.target.matches("input[type=radio]")) {
    applyShowWhen(document);
  }
});
document.addEventListener("DOMContentLoaded", () => applyShowWhen(document));
document.addEventListener("htmx:afterSwap", (event) => applyShowWhen(event.target));

// When a registered person is chosen from the search results, the form is
// about that person.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id === "chosen-person" && event.target.querySelector("input[name=person_id]")) {
    const found = document.querySelector('input[name="person_mode"][value="found"]');
    if (found) {
      found.checked = true;
      applyShowWhen(document);
    }
  }
});

document.addEventListener("htmx:responseError", () => {
  const target = document.getElementById("htmx-error");
  if (target) {
    target.hidden = false;
  }
});

// A form loaded on demand (the case page's "Change the status" and the like,
// <form data-focus-on-load>): the link that asked for it is gone, so move the
// focus to the form's first field, or its heading, where keyboard and
// screen-reader users expect to continue.
document.addEventListener("htmx:afterSwap", (event) => {
  const form = event.target.querySelector("form[data-focus-on-load]");
  if (!form) {
    return;
  }
  const field = form.querySelector(
    "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])",
  );
  const target = field || form.querySelector("h2, h3");
  if (target) {
    if (!field) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
});

// Enter in a search box inside a bigger form (the intake form's person
// search, <input data-enter-searches>) searches: it must not submit the whole
// form half-filled. htmx searches on the keyup (hx-trigger "keyup[key=='Enter']").
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("input[data-enter-searches]")) {
    event.preventDefault();
  }
});

// After a failed submit the page comes back with an error summary at the top
// (templates/includes/error_summary.html): move the focus there so that
// keyboard and screen-reader users hear what to fix and can follow its links.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});

// The site menu is a bar from 640 px wide (static/css/app.css). A browser that cannot style
// ::details-content would show the "Menu" button there instead: open the menu for it.
document.addEventListener("DOMContentLoaded", () => {
  const menu = document.querySelector("details.site-menu");
  const wide = window.matchMedia("(min-width: 640px)");
  if (menu && !CSS.supports("selector(::details-content)")) {
    const follow = () => { menu.open = wide.matches; };
    follow();
    wide.addEventListener("change", follow);
  }
});

// A wide table scrolls inside its .table-scroll box, which the keyboard reaches (tabindex="0" in the
// template). Where the table fits, the box is no stop on the way: keep the tab order short.
function markScrollingTables(root) {
  root.querySelectorAll(".table-scroll").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
    } else if (box !== document.activeElement) {
      box.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", () => markScrollingTables(document));
document.addEventListener("htmx:afterSwap", () => markScrollingTables(document));
let tableResize = null;
window.addEventListener("resize", () => {
  clearTimeout(tableResize);
  tableResize = setTimeout(() => markScrollingTables(document), 150);
});

// On a phone the open menu lies over the page: Escape closes it and puts the focus back on its button.
document.addEventListener("keydown", (event) => {
  const menu = document.querySelector("details.site-menu[open]");
  if (event.key === "Escape" && menu && !window.matchMedia("(min-width: 640px)").matches) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

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

// The triage panel's "accept" button: fill the intake form's categories and
// urgency with the suggestion. Staff can still change them; nothing is saved
// until they save the form. Loaded with the page's CSP nonce; no inline code.
(function () {
  function accept(button) {
    const form = button.closest("form") || document;
    const wanted = (button.dataset.categories || "").split(" ").filter(Boolean);
    form.querySelectorAll('input[type="checkbox"][name="categories"]').forEach((box) => {
      box.checked = wanted.includes(box.value);
    });
    const urgency = button.dataset.urgency;
    if (urgency) {
      form.querySelectorAll('input[name="urgency"]').forEach((radio) => {
        radio.checked = radio.value === urgency;
      });
      const select = form.querySelector('select[name="urgency"]');
      if (select) {
        select.value = urgency;
      }
    }
    // Let the draft autosave see the change.
    form.dispatchEvent(new Event("change", { bubbles: true }));
    const status = document.getElementById("triage-accept-status");
    if (status) {
      status.textContent = button.dataset.done || "";
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-triage-accept]");
    if (button) {
      event.preventDefault();
      accept(button);
    }
  });
})();

// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.getElementById("htmx-error");
  if (target) {
    target.hidden = false;
  }
});

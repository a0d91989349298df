// An inline form the server refused (400: what was typed kept, the errors named) is shown in place.
// htmx swaps only 2xx answers by default; a form inside [data-inline-form] opts in for 400.
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (event.detail.xhr.status === 400 && target && target.closest && target.closest("[data-inline-form]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

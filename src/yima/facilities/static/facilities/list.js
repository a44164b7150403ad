/* Ledger list: wide screens have room for the filters, so show them open. */
if (matchMedia("(min-width: 701px)").matches) {
  document.querySelectorAll("details.more-filters").forEach(function (d) { d.open = true; });
}

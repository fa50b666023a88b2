// Offers the browser's own time zone as a one-click choice in the header's zone picker, when
// it differs from the zone the page shows its times in. Without JavaScript the picker is a
// plain form, so this only saves looking the zone up in the list.
(function () {
  "use strict";
  const form = document.querySelector("form.zone-picker");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!form || !zone || zone === form.elements.tz.value) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "use-my-zone";
  button.textContent = "Use my zone: " + zone;
  button.addEventListener("click", function () {
    const select = form.elements.tz;
    // A name the list leaves out (a legacy one): the server checks it either way.
    if (![...select.options].some((option) => option.value === zone)) {
      select.add(new Option(zone, zone));
    }
    select.value = zone;
    form.querySelector("button[name=next]").click(); // it carries the page to come back to
  });
  form.append(" ", button);
})();

// The admin's periodic task form (django-celery-beat): shows the chosen crontab in words under
// the field. The library's own template does this inline, which the Content-Security-Policy
// blocks; templates/admin/djcelery/change_periodictask_form.html loads this file instead.
(function () {
  "use strict";

  var $ = window.django && window.django.jQuery;
  var source = document.getElementById("readable-crontabs");
  if (!$ || !source) {
    return;
  }
  var readableCrontabs = JSON.parse(source.textContent);
  var script = document.currentScript;
  var originalHelp = script ? script.getAttribute("data-crontab-help") : "";

  $(function () {
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      var help = $(".field-crontab .help");
      help.text(originalHelp);
      help.append(document.createElement("br"));
      help.append(document.createTextNode("Translation: " + readableCrontabs[$("#id_crontab").val()]));
    });
  });
})();

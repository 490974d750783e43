// The timeout warning: the accessible modal dialog used across government services.
//
// Two minutes before the session times out, a dialog says so and counts down. "Stay signed in"
// (or Escape) asks the server to keep the session; "Sign out" signs out at once. When the time
// is up the page is asked for again and the server signs the person out, keeping where they
// were so signing in again brings them back. Settings come from <body data-session-*>
// (templates/base.html); without JavaScript the server-side timeout still applies.
(function () {
  "use strict";

  var body = document.body;
  var dialog = document.getElementById("app-timeout-warning");
  var timeout = parseInt(body.getAttribute("data-session-timeout"), 10);
  var warning = parseInt(body.getAttribute("data-session-warning"), 10);
  var statusUrl = body.getAttribute("data-session-status-url");
  if (!dialog || !timeout || !warning || !statusUrl || typeof dialog.showModal !== "function") {
    return;
  }

  var form = dialog.querySelector("[data-timeout-keep-alive]");
  var countdown = dialog.querySelector("[data-timeout-countdown]");
  var live = dialog.querySelector("[data-timeout-countdown-live]");
  // Screen readers hear the time left now and then, not every second, so they are not
  // talked over.
  var SPEAK_EVERY_SECONDS = 20;
  var timer = null;
  var ticker = null;
  var endsAt = 0;
  var lastSpoken = null;
  var returnFocusTo = null;
  var sending = false;

  function inWords(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes + (minutes === 1 ? " minute" : " minutes");
    }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function secondsLeftFrom(response) {
    // Signed out already, the answer is the sign-in page, not JSON: treat it as time up.
    if (!response.ok) {
      throw new Error("session status " + response.status);
    }
    return response.json().then(function (data) {
      return data.seconds_left;
    });
  }

  function schedule(secondsLeft) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      check(false);
    }, Math.max(0, secondsLeft - warning) * 1000);
  }

  // Asks how long is left (asking does not keep the session alive): another tab may have
  // kept it alive meanwhile, in which case there is nothing to warn about yet.
  function check(timeIsUp) {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(secondsLeftFrom)
      .then(
        function (secondsLeft) {
          if (secondsLeft > warning + 1) {
            close();
            schedule(secondsLeft);
          } else if (secondsLeft > 0) {
            open(secondsLeft);
          } else {
            signOut();
          }
        },
        function () {
          if (timeIsUp) {
            signOut();
          } else {
            open(warning);
          }
        }
      );
  }

  function tick() {
    var secondsLeft = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    countdown.textContent = inWords(secondsLeft);
    if (lastSpoken === null || lastSpoken - secondsLeft >= SPEAK_EVERY_SECONDS) {
      live.textContent = "For your security, we will sign you out in " + inWords(secondsLeft) + ".";
      lastSpoken = secondsLeft;
    }
    if (secondsLeft === 0) {
      clearInterval(ticker);
      check(true);
    }
  }

  function open(secondsLeft) {
    endsAt = Date.now() + secondsLeft * 1000;
    if (!dialog.open) {
      returnFocusTo = document.activeElement;
      lastSpoken = null;
      dialog.showModal();
      dialog.focus();
    }
    clearInterval(ticker);
    tick();
    ticker = setInterval(tick, 1000);
  }

  function close() {
    clearInterval(ticker);
    if (dialog.open) {
      dialog.close();
      live.textContent = "";
      if (returnFocusTo && typeof returnFocusTo.focus === "function") {
        returnFocusTo.focus();
      }
    }
  }

  function signOut() {
    // The server sees the session has timed out, signs the person out and sends them to
    // sign in, with this page to come back to. (A GET: a page that showed a form's errors
    // must not be posted again.)
    window.location.assign(window.location.pathname + window.location.search);
  }

  function staySignedIn() {
    if (sending) {
      return;
    }
    sending = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(secondsLeftFrom)
      .then(
        function (secondsLeft) {
          if (secondsLeft > 0) {
            close();
            schedule(secondsLeft);
          } else {
            signOut();
          }
        },
        signOut
      )
      .then(function () {
        sending = false;
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    staySignedIn();
  });
  // Escape means "stay signed in", as in the pattern: closing must not leave the timer silent.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    staySignedIn();
  });

  schedule(timeout);
})();

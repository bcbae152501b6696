// Small enhancements; every page works without them.

// A private page restored from the back/forward cache (Back after logging out) is
// fetched again, so that the server decides what it shows.
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.body.hasAttribute("data-private")) location.reload();
});
document.addEventListener("DOMContentLoaded", () => {
  // A form in flight: its button is disabled and says so, so a second click sends nothing.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      setTimeout(() => { button.disabled = true; button.setAttribute("aria-busy", "true"); });
    });
  }

  // The phone field: "+7" stays fixed beside it, and the number takes the country's shape
  // as it is typed. Any pasted form is accepted: "+7 999…", "8 (999)…", "79991234567".
  // A number of another country ("+1 415…") is left as typed, and the "+7" hides.
  const phone = document.querySelector("#phone[data-mask]");
  if (phone && phone.dataset.mask) {
    const mask = phone.dataset.mask, country = phone.dataset.country;
    const room = mask.replace(/[^#]/g, "").length;
    const prefix = document.getElementById("phone-country");
    const shape = () => {
      const typed = phone.value;
      let digits = typed.replace(/[^0-9]/g, "");
      const international = typed.trim().startsWith("+");
      if (international && !digits.startsWith(country)) {
        prefix.hidden = true;  // another country's number: as typed
        return;
      }
      prefix.hidden = false;
      if (international || (digits.length > room && digits.startsWith(country))) {
        digits = digits.slice(country.length);
      } else if (digits.length === room + 1) {
        digits = digits.slice(1);  // a trunk prefix: "8 999…"
      }
      let shaped = "", next = 0;
      for (const slot of mask) {
        if (next >= digits.length) break;
        shaped += slot === "#" ? digits[next++] : slot;
      }
      shaped += digits.slice(next);
      // Only while typing at the end: an edit in the middle keeps its caret.
      if (phone.selectionStart === typed.length && shaped !== typed) phone.value = shaped;
    };
    phone.addEventListener("input", shape);
    shape();
  }

  // The code sends itself once all its digits are there: typed, pasted or autofilled.
  const code = document.querySelector("#code[data-length]");
  if (code) {
    code.addEventListener("input", () => {
      if (code.value.replace(/[^0-9]/g, "").length >= Number(code.dataset.length)) {
        code.form.requestSubmit();
      }
    });
    // Web OTP: the browser reads the code from the SMS (its "@host #1234" line) with consent.
    if ("OTPCredential" in window) {
      const typed = new AbortController();
      code.form.addEventListener("submit", () => typed.abort());
      navigator.credentials.get({ otp: { transport: ["sms"] }, signal: typed.signal })
        .then((otp) => {
          if (!otp) return;
          code.value = otp.code;
          code.dispatchEvent(new Event("input"));
        })
        .catch(() => {});  // declined, aborted or unsupported: typing still works
    }
  }

  // "Copied ✓" shows in its label's place: the button keeps its size (both are in it).
  const copy = async (text, button) => {
    await navigator.clipboard.writeText(text);
    button.dataset.copied = "";
    const status = document.getElementById("copy-status");
    if (status) status.textContent = status.dataset.copied;  // announced by screen readers
    clearTimeout(button.copiedTimer);
    button.copiedTimer = setTimeout(() => { delete button.dataset.copied; }, 1500);
  };
  for (const button of document.querySelectorAll("[data-copy]")) {
    if (!navigator.clipboard) continue;
    button.classList.remove("js-only");
    button.addEventListener("click", () => copy(button.dataset.copy, button));
  }

  // Share: the system's share sheet where there is one, else the link is copied.
  const share = document.getElementById("share");
  if (share && (navigator.share || navigator.clipboard)) {
    share.classList.remove("js-only");
    share.addEventListener("click", () => {
      const { url, text, title } = share.dataset;
      if (navigator.share) navigator.share({ url, text, title }).catch(() => {});  // closed: fine
      else copy(url, share);
    });
  }

  // The proof-of-work check (only when the server asked for one) sends the form once solved.
  const check = document.querySelector("altcha-widget");
  if (check) {
    // After the widget has written its hidden field (it renders on the next tick).
    check.addEventListener("verified", () => setTimeout(() => check.closest("form").requestSubmit()));
  }

  // Countdowns ("Send the code again in 0:42"): each second, then the text it ends with.
  // A button waiting for its countdown is enabled when it ends; a countdown marked
  // data-reload (the code's life) fetches the page again, which the server then draws
  // in its new state (an expired code: its message and the new-code button).
  for (const element of document.querySelectorAll("[data-countdown]")) {
    let left = Number(element.dataset.countdown);
    if (!(left > 0)) continue;
    const timer = setInterval(() => {
      left -= 1;
      if (left > 0) {
        const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
        element.textContent = element.dataset.template.replace("%(time)s", time);
        return;
      }
      clearInterval(timer);
      if ("reload" in element.dataset) {
        location.replace(location.pathname + location.search);
        return;
      }
      element.textContent = element.dataset.done;
      element.disabled = false;
    }, 1000);
  }
});

// ReDoc draws "API docs by Redocly" at the foot of its sidebar with an image from
// Redocly's CDN, which the page's Content-Security-Policy (img-src 'self') refuses:
// a CSP violation on every load, and no ReDoc option removes it. Loaded before ReDoc,
// this gives that one image an empty src instead (React sets it both as an attribute
// and as a property): nothing is fetched, and the image's error event makes ReDoc
// drop it. The link's text stays.
(function () {
  "use strict";
  var LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  var setAttribute = Element.prototype.setAttribute;
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");

  Element.prototype.setAttribute = function (name, value) {
    var logo = this instanceof HTMLImageElement && name === "src" && value === LOGO;
    return setAttribute.call(this, name, logo ? "" : value);
  };
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, value === LOGO ? "" : value);
    },
  });
})();

/* The API docs work offline: Redoc's menu footer always draws the "API docs by Redocly" logo
   from https://cdn.redoc.ly (no option turns it off), which fails without internet and logs an
   error. Loaded before Redoc, this makes that one image an empty inline one; nothing else changes. */
(function () {
  "use strict";
  var BLANK = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
  var CDN = "https://cdn.redoc.ly/";
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this.tagName === "IMG" && String(name).toLowerCase() === "src" && String(value).indexOf(CDN) === 0) {
      value = BLANK;
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true, enumerable: src.enumerable, get: src.get,
    set: function (value) { src.set.call(this, String(value).indexOf(CDN) === 0 ? BLANK : value); }
  });
})();

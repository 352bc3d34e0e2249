// Loaded before Video.js: it would otherwise add <style> elements for player sizes, which the
// Content-Security-Policy refuses; portal.css sizes the player instead.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;

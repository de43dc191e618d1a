/*! pageviews: counts a view of this page. No cookies; nothing about the visitor is sent. */
(function(w,d,n,h){var s=d.currentScript,u=s&&s.src.replace(/\/pageviews\.js([?#].*)?$/,"/v1/view"),l;
if(!u||w.__pageviews||n.doNotTrack=="1"||w.doNotTrack=="1"||n.globalPrivacyControl)return;w.__pageviews=1;
function v(){var p=location.pathname,b;if(p===l)return;l=p;b=JSON.stringify({page:p+location.search});
n.sendBeacon&&n.sendBeacon(u,b)||fetch(u,{method:"POST",body:b,keepalive:!0,credentials:"omit"}).catch(function(){})}
["pushState","replaceState"].forEach(function(k){var f=h[k];h[k]=function(){var r=f.apply(this,arguments);v();return r}});
w.addEventListener("popstate",v);w.addEventListener("pageshow",function(e){e.persisted&&(l=0,v())});
d.prerendering?d.addEventListener("prerenderingchange",v,{once:!0}):v()})(window,document,navigator,history);

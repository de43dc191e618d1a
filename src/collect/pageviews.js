(function(w,d,n,h,L){var s=d.currentScript,u=s&&s.src.replace(/\/pageviews\.js([?#].*)?$/,"/v1/view"),q=w.pageviews,r=d.referrer,
c=s&&s.dataset.variantCookie,x=new URLSearchParams(L.search).get("variant"),l,t,P,E=0,R,M=0,B,k,
W=screen.width,Z=W<576?"phone":W<992?"tablet":W<1440?"laptop":"desktop",N=()=>performance.now();w.pageviews=q||function(){};
function I(){try{var S=localStorage,k="pageviews-ignore",t=L.hash;t=="#"+k?S[k]=1:t=="#pageviews-count"&&delete S[k];return S[k]}catch{}}
if(!u||w.__pageviews||n.doNotTrack=="1"||w.doNotTrack=="1"||n.globalPrivacyControl||I())return;w.__pageviews=1;
function S(o){var m=d.querySelector('meta[name="pageviews:variant"]'),k=c&&("; "+d.cookie).split("; "+c+"=")[1];
o.variant=m?m.content:k?k.split(";")[0]:x;o=JSON.stringify(o);
n.sendBeacon&&n.sendBeacon(u,o)||fetch(u,{method:"POST",body:o,keepalive:!0,credentials:"omit"}).catch(()=>0)}
function y(){R!=null&&(E+=N()-R);R=d.visibilityState=="visible"&&d.hasFocus()?N():null}
function z(){var H=d.documentElement.scrollHeight;M=Math.max(M,H?Math.min(100,Math.round((w.scrollY+w.innerHeight)/H*100)):100)}
function g(){if(!t)return;y();z();var e=Math.round(E);if(B!=null&&e<1&&M<=B)return;E-=e;
S({page:P,kind:"engagement",token:t,seq:k++,engaged_ms:Math.min(e,144e5),scroll:M,scroll_before:B});B=M}
function v(){var p=L.pathname;if(p===l)return;l=p;g();t=[...crypto.getRandomValues(new Uint32Array(3))].map(a=>a.toString(16).padStart(8,0)).join("");
P=L.href;E=M=k=0;B=R=null;y();z();S({page:P,referrer:r,screen:Z,token:t});r=void 0}
function D(e){var a=e.target.closest&&e.target.closest("a");
a&&/\.(7z|apk|avi|bz2|csv|deb|dmg|docx?|epub|exe|flac|gz|iso|m4a|mkv|mov|mp[34]|msi|od[pst]|ogg|pdf|pkg|pptx?|rar|rpm|tar|tgz|wav|xlsx?|xz|zip)$/i.test(a.pathname)&&S({page:a.href,kind:"download"})}
w.pageviews=e=>S({page:L.pathname,kind:"event",name:e});q&&q.q&&q.q.forEach(a=>w.pageviews.apply(w,a));
["click","auxclick"].forEach(t=>d.addEventListener(t,D,!0));["focus","blur"].forEach(t=>w.addEventListener(t,y));
d.addEventListener("visibilitychange",()=>d.hidden?g():y());w.addEventListener("pagehide",g);w.addEventListener("scroll",z,{passive:!0});
["pushState","replaceState"].forEach(k=>{var f=h[k];h[k]=function(){var r=f.apply(this,arguments);v();return r}});
w.addEventListener("popstate",v);w.addEventListener("pageshow",e=>e.persisted&&(l=0,v()));
d.prerendering?d.addEventListener("prerenderingchange",v,{once:!0}):v()})(window,document,navigator,history,location);

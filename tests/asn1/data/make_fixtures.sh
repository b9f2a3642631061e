#!/bin/sh
# Regenerate the OpenSSL CMP fixtures in this directory (see README.md).
# Runs the OpenSSL mock CMP server on loopback and the OpenSSL CMP client against it.
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ee]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=Lab CA/O=Example" -days 3650 \
    -config /dev/null -extensions ca -extfile ext.cnf -out ca.crt 2>/dev/null || \
  openssl req -x509 -new -key ca.key -subj "/CN=Lab CA/O=Example" -days 3650 -out ca.crt
issue() {  # issue NAME SUBJECT
    openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
        -extfile ext.cnf -extensions ee -out "$1.crt" 2>/dev/null
}
issue srv "/CN=Lab RA/O=Example"
issue ee "/CN=test"
issue new "/CN=test"
openssl ecparam -name prime256v1 -genkey -noout -out other.key

PORT=18100
scenario() {  # scenario NAME "server options" "client options"
    PORT=$((PORT + 1))
    eval "exec openssl cmp -port $PORT -rsp_cert new.crt -rsp_capubs ca.crt $2" >"srv-$1.log" 2>&1 &
    spid=$!
    sleep 0.4
    eval "openssl cmp -server 127.0.0.1:$PORT $3" >"cli-$1.log" 2>&1 || true
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
}
MAC_SRV="-srv_ref 1234 -srv_secret pass:1234"
MAC_CLI="-ref 1234 -secret pass:1234 -recipient '/CN=Lab CA'"
SIG_SRV="-srv_cert srv.crt -srv_key srv.key -srv_trusted ca.crt"
SIG_CLI="-cert ee.crt -key ee.key -trusted ca.crt -recipient '/CN=Lab CA/O=Example'"

scenario ir "$MAC_SRV" "-cmd ir $MAC_CLI -newkey new.key -subject /CN=test -certout o.crt \
    -reqout ir.der,certConf.der -rspout ip.der,pkiConf.der"
scenario ir_implicit "$MAC_SRV -grant_implicitconf" "-cmd ir $MAC_CLI -newkey new.key -subject /CN=test \
    -implicit_confirm -certout o.crt -reqout ir_implicit.der -rspout ip_implicit.der"
scenario cr "$SIG_SRV" "-cmd cr $SIG_CLI -newkey other.key -subject /CN=test/O=Example/OU=Lab \
    -certout o.crt -reqout cr.der,certConf_sig.der -rspout cp.der,pkiConf_sig.der"
scenario kur "$SIG_SRV" "-cmd kur $SIG_CLI -oldcert new.crt -newkey new.key -certout o.crt \
    -reqout kur.der,kur_certConf.der -rspout kup.der,kur_pkiConf.der"
scenario kur_error "$SIG_SRV" "-cmd kur $SIG_CLI -oldcert ee.crt -newkey new.key -certout o.crt \
    -reqout kur_wrongid.der -rspout error_kur.der"
scenario p10cr "$MAC_SRV" "-cmd p10cr $MAC_CLI -csr ee.csr -certout o.crt \
    -reqout p10cr.der,p10cr_certConf.der -rspout p10cr_cp.der,p10cr_pkiConf.der"
scenario rr "$SIG_SRV" "-cmd rr $SIG_CLI -oldcert new.crt -revreason 1 -reqout rr.der -rspout rp.der"
scenario genm "$MAC_SRV" "-cmd genm $MAC_CLI -infotype signKeyPairTypes -reqout genm.der -rspout genp.der"
scenario poll "$MAC_SRV -poll_count 2 -check_after 1" "-cmd ir $MAC_CLI -newkey new.key -subject /CN=test \
    -certout o.crt -reqout poll_ir.der,pollReq1.der,pollReq2.der,poll_certConf.der \
    -rspout poll_ip_waiting.der,pollRep1.der,poll_ip.der,poll_pkiConf.der"
scenario rejection "$MAC_SRV -pkistatus 2 -failure 9" "-cmd ir $MAC_CLI -newkey new.key -subject /CN=test -certout o.crt \
    -reqout rej_ir.der -rspout ip_rejection.der"
scenario error "$MAC_SRV -send_error" "-cmd cr $MAC_CLI -newkey new.key -subject /CN=test -certout o.crt \
    -reqout err_cr.der -rspout error.der"
scenario unprotected "$MAC_SRV -accept_unprotected -send_unprotected" "-cmd ir -unprotected_requests \
    -unprotected_errors -recipient '/CN=Lab CA' -newkey new.key -subject /CN=test -certout o.crt \
    -reqout ir_unprotected.der -rspout ip_unprotected.der"

for f in *.der; do cp "$f" "$OUT/$f"; done
ls -l "$OUT"/*.der

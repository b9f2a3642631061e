#!/bin/sh
# Regenerate the protection fixtures in this directory (see README.md).
# Runs OpenSSL's mock CMP server on loopback and the OpenSSL CMP client against it; keeps the
# messages (-reqout/-rspout) and the CA certificates the tests use as --trusted / --certs.
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
[enc]
basicConstraints = CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=Lab CA/O=Example" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
openssl genpkey -algorithm ED25519 -out edca.key
openssl req -x509 -new -key edca.key -subj "/CN=Ed CA" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out edca.crt
issue() {  # issue NAME SUBJECT KEYFILE [CA] [EXT]
    openssl req -new -key "$3" -subj "$2" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA "${4:-ca}.crt" -CAkey "${4:-ca}.key" -CAcreateserial -days 3650 \
        -extfile ext.cnf -extensions "${5:-ee}" -out "$1.crt" 2>/dev/null
}
openssl ecparam -name prime256v1 -genkey -noout -out srv.key
openssl ecparam -name prime256v1 -genkey -noout -out ee.key
openssl ecparam -name prime256v1 -genkey -noout -out new.key
openssl genrsa -out rsa.key 2048 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out pss.key 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.key
openssl genpkey -algorithm ED25519 -out ednew.key
issue srv "/CN=Lab RA/O=Example" srv.key
issue ee "/CN=test/O=Example" ee.key
issue new "/CN=test" new.key
issue rsa "/CN=rsa client/O=Example" rsa.key
issue pssnew "/CN=pss/O=Example" pss.key
issue ed "/CN=ed client/O=Example" ed.key
issue ednew "/CN=ed new" ednew.key edca
issue enc "/CN=enc only/O=Example" ee.key ca enc

PORT=18300
scenario() {  # scenario NAME RSP_CERT "server options" "client options"
    PORT=$((PORT + 1))
    eval "exec openssl cmp -port $PORT -rsp_cert $2 -rsp_capubs ca.crt $3" >"srv-$1.log" 2>&1 &
    spid=$!
    sleep 0.4
    eval "openssl cmp -server 127.0.0.1:$PORT -certout o.crt $4" >"cli-$1.log" 2>&1 || cat "cli-$1.log"
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
}
MAC_SRV="-srv_ref kid-lab -srv_secret pass:lab-secret"
MAC_CLI="-ref kid-lab -secret pass:lab-secret -recipient '/CN=Lab CA'"
SIG_SRV="-srv_cert srv.crt -srv_key srv.key -srv_trusted ca.crt"

scenario pbm new.crt "$MAC_SRV" "-cmd ir $MAC_CLI -newkey new.key -subject /CN=test \
    -reqout pbm_ir.der,pbm_certConf.der -rspout pbm_ip.der,pbm_pkiConf.der"
scenario pbm256 new.crt "$MAC_SRV" "-cmd ir $MAC_CLI -mac hmacWithSHA256 -newkey new.key -subject /CN=test \
    -reqout pbm256_ir.der -rspout pbm256_ip.der -implicit_confirm"
scenario p10cr ee.crt "$MAC_SRV" "-cmd p10cr $MAC_CLI -csr ee.csr -reqout p10cr.der -rspout p10cr_cp.der \
    -implicit_confirm"
scenario ec new.crt "$SIG_SRV" "-cmd cr -cert ee.crt -key ee.key -trusted ca.crt -recipient '/CN=Lab CA/O=Example' \
    -newkey new.key -subject /CN=test -reqout ec_cr.der,ec_certConf.der -rspout ec_cp.der,ec_pkiConf.der"
scenario rsa pssnew.crt "$SIG_SRV" "-cmd cr -cert rsa.crt -key rsa.key -trusted ca.crt \
    -recipient '/CN=Lab CA/O=Example' -newkey pss.key -subject /CN=pss/O=Example \
    -reqout rsa_cr.der,rsa_certConf.der -rspout rsa_cp.der"
scenario ed ednew.crt "$SIG_SRV" "-cmd ir -cert ee.crt -key ee.key -trusted ca.crt -recipient '/CN=Lab CA/O=Example' \
    -newkey ednew.key -subject '/CN=ed new' -reqout ed_ir.der,ed_certConf.der -rspout ed_ip.der"
scenario enc new.crt "$SIG_SRV -accept_unprotected" "-cmd cr -cert enc.crt -key ee.key -trusted ca.crt \
    -recipient '/CN=Lab CA/O=Example' -newkey new.key -subject /CN=test -reqout enc_cr.der -rspout enc_cp.der"

for f in *.der; do cp "$f" "$OUT/$f"; done
cp ca.crt "$OUT/ca.pem"
cp ee.crt "$OUT/ee.pem"
cp edca.crt "$OUT/edca.pem"
ls -l "$OUT"/*.der

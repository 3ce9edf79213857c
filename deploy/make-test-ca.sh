#!/usr/bin/env bash
# Makes a small CA and certificates for syslog over TLS (RFC 5425):
#   ca.pem ca.key                 the CA (give ca.pem to senders and to mlqd --tls-client-ca)
#   server.pem server.key         mlqd's certificate (--tls-cert / --tls-key), for NAME
#   client.pem client.key         a sender's certificate for mutual TLS, CN=CLIENT
# Usage: deploy/make-test-ca.sh DIR [SERVER_NAME] [CLIENT_NAME]
# Defaults: SERVER_NAME=localhost (also valid for 127.0.0.1), CLIENT_NAME=mail-client.
# For testing and small set-ups; a real deployment may use its own PKI.
set -euo pipefail
dir=${1:?usage: make-test-ca.sh DIR [SERVER_NAME] [CLIENT_NAME]}
server=${2:-localhost}
client=${3:-mail-client}
mkdir -p "$dir"
cd "$dir"
days=825
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" \
  -subj "/O=mlq test CA/CN=mlq test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

issue() {  # name cn ext
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/O=mlq/CN=$2" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
    -days "$days" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
issue server "$server" "subjectAltName=DNS:$server,IP:127.0.0.1
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
issue client "$client" "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
chmod 600 ./*.key
echo "make-test-ca: CA, server ($server) and client ($client) certificates in $dir"

#!/usr/bin/env node
// A gRPC client of mlqd written the way a Node.js user would: @grpc/grpc-js
// with @grpc/proto-loader reading proto/mlq/v1/query.proto at run time (no
// generated code). Run by tests/integration/node_client_test.cc.
//
// Usage: node client.js <proto file> <host:port> <method> '<request as JSON>'
//   method: Find, Trace, Status (unary calls of mlq.v1.Query)
// Prints the response as one JSON object on stdout (field names as in the
// proto, 64-bit integers as strings, enums by name, unset fields with their
// defaults) and exits 0; on an RPC error prints {"error": {"code", "details"}}
// and exits 1; on a usage error exits 2.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function main(argv) {
  if (argv.length !== 4) {
    process.stderr.write('usage: client.js <proto file> <host:port> <method> <request JSON>\n');
    return process.exit(2);
  }
  const [protoFile, address, method, requestJson] = argv;
  if (!['Find', 'Trace', 'Status'].includes(method)) {
    process.stderr.write(`client.js: unknown method ${method}\n`);
    return process.exit(2);
  }
  let request;
  try {
    request = JSON.parse(requestJson);
  } catch (e) {
    process.stderr.write(`client.js: request is not JSON: ${e.message}\n`);
    return process.exit(2);
  }

  // The proto imports nothing but its own package; its root is two levels up
  // (proto/mlq/v1/query.proto -> proto/).
  const root = path.resolve(path.dirname(protoFile), '..', '..');
  const definition = protoLoader.loadSync(path.relative(root, path.resolve(protoFile)), {
    includeDirs: [root],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    arrays: true,
    objects: true,
    oneofs: true,
  });
  const mlq = grpc.loadPackageDefinition(definition).mlq.v1;
  const client = new mlq.Query(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 << 20,
  });
  const deadline = new Date(Date.now() + 20000);
  client[method](request, {deadline}, (err, response) => {
    if (err) {
      process.stdout.write(JSON.stringify({error: {code: err.code, details: err.details}}) + '\n');
      client.close();
      return process.exit(1);
    }
    process.stdout.write(JSON.stringify(response) + '\n');
    client.close();
    return process.exit(0);
  });
}

main(process.argv.slice(2));

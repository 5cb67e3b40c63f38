// A loopback HTTP CONNECT proxy that adds a fixed one-way delay to every byte it forwards, in each direction.
// With a one-way delay of D/2, every sequential round trip through it costs D more, while pipelined bytes (several
// writes in one direction before an answer) cost nothing extra. So (wall with delay − wall without) / D is the number
// of sequential round trips the client made through the proxy (the CONNECT exchange included; the TCP handshake to the
// proxy itself is on loopback and not delayed).
//   node bench/delay-proxy.mjs [rttMs]     prints "listening PORT" and serves until killed
import {connect, createServer} from 'node:net'

/** Forward src → dst, delivering each chunk oneWayMs after it arrived, in order. */
function delayed(src, dst, oneWayMs) {
  let last = 0
  src.on('data', chunk => {
    const due = Math.max(Date.now() + oneWayMs, last)
    last = due
    setTimeout(() => dst.destroyed || dst.write(chunk), due - Date.now())
  })
  src.on('end', () => setTimeout(() => dst.end(), Math.max(0, last - Date.now())))
  src.on('error', () => dst.destroy())
}

export function startDelayProxy({rttMs = 0} = {}) {
  const oneWay = rttMs / 2
  const stats = {connections: 0}
  const server = createServer(client => {
    stats.connections++
    client.setNoDelay(true)
    let head = Buffer.alloc(0)
    const onData = chunk => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) return
      client.off('data', onData)
      client.pause()
      const rest = head.subarray(end + 4)
      const m = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]\r\n/.exec(
        head.subarray(0, end + 4).toString('latin1'),
      )
      // The request arrives after one one-way delay, the answer after another.
      setTimeout(() => {
        if (!m) {
          client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n')
          return
        }

        const upstream = connect({host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2])}, () => {
          upstream.setNoDelay(true)
          setTimeout(() => {
            client.write('HTTP/1.1 200 Connection established\r\n\r\n')
            if (rest.length > 0) setTimeout(() => upstream.write(rest), oneWay)
            delayed(client, upstream, oneWay)
            delayed(upstream, client, oneWay)
            client.resume()
          }, oneWay)
        })
        upstream.on('error', () => client.destroy())
        client.on('error', () => upstream.destroy())
      }, oneWay)
    }

    client.on('data', onData)
    client.on('error', () => {})
  })
  return new Promise(resolve => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        close: () => new Promise(r => server.close(() => r())),
        port: server.address().port,
        server,
        stats,
      }),
    )
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const proxy = await startDelayProxy({rttMs: Number(process.argv[2] ?? 0)})
  process.stdout.write(`listening ${proxy.port}\n`)
}

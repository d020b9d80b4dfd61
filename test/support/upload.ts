/** Sends a GraphQL multipart request (the file upload specification) with one file. */
export async function uploadFile(graphqlUrl: string, token: string, query: string, variables: Record<string, unknown>, file: { name: string; content: Buffer | string; type: string }) {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.file'] }));
  form.set('0', new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type }), file.name);
  const response = await fetch(graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return (await response.json()) as { data?: any; errors?: any[] };
}
